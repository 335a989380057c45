'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const {
  RawSocket, closeCode, createClient, serverSdk, signedIn,
} = require('../lib/clients');
const { once, Recorder } = require('../lib/wait');

const ctx = useServer();

describe('terminate user connections', () => {
  test('closes every connection of the user with 4009, and no one else\'s', async () => {
    const sdk = serverSdk(ctx.server);
    const victim1 = await RawSocket.connect(ctx.server);
    await victim1.signin(sdk, { id: 'mallory' });
    const victim2 = await RawSocket.connect(ctx.server);
    await victim2.signin(sdk, { id: 'mallory' });
    const bystander = await RawSocket.connect(ctx.server);
    await bystander.signin(sdk, { id: 'trent' });
    const anonymous = await RawSocket.connect(ctx.server);

    const response = await sdk.terminateUserConnections('mallory');
    assert.equal(response.status, 200);

    assert.equal((await victim1.closed).code, 4009);
    assert.equal((await victim2.closed).code, 4009);
    await bystander.roundTrip();
    await anonymous.roundTrip();
    assert.equal(bystander.isOpen, true);
    assert.equal(anonymous.isOpen, true);
  });

  test('pusher-js reports the 4009 close and does not reconnect on its own', async () => {
    const sdk = serverSdk(ctx.server);
    const victim = await signedIn(createClient(ctx.server, { user: { id: 'oscar' } }));
    const bystander = await signedIn(createClient(ctx.server, { user: { id: 'peggy' } }));
    const bystanderStates = new Recorder(bystander.connection, 'state_change');
    const error = once(victim.connection, 'error');

    await sdk.terminateUserConnections('oscar');
    assert.equal(closeCode(await error), 4009);
    if (victim.connection.state !== 'disconnected') {
      await once(victim.connection, 'disconnected');
    }

    // the bystander still gets messages meant for it
    const got = once(bystander.user, 'still-here');
    await sdk.sendToUser('peggy', 'still-here', {});
    await got;
    assert.equal(bystander.connection.state, 'connected');
    assert.equal(bystanderStates.count, 0);
  });

  test('terminating a user with no connections succeeds', async () => {
    const response = await serverSdk(ctx.server).terminateUserConnections('nobody-here');
    assert.equal(response.status, 200);
  });
});
