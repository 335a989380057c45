'use strict';

// A local webhook receiver: an HTTP server on a free port that checks every request with the
// `pusher` server SDK (`pusher.webhook({headers, rawBody}).isValid()`) and keeps its events.

const http = require('node:http');
const { ValueLog } = require('./wait');

class WebhookReceiver {
  /** Starts listening on 127.0.0.1 on a free port. */
  static async start() {
    const receiver = new WebhookReceiver();
    await new Promise((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  constructor() {
    /** Every request: {headers, rawBody}, in arrival order. */
    this.requests = [];
    /** Every event of every request, in order, as the receiver got them. */
    this.events = new ValueLog();
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ headers: req.headers, rawBody });
        try {
          for (const event of JSON.parse(rawBody).events) {
            this.events.push(event);
          }
        } catch {
          // kept in requests; the validity check reports it
        }
        res.writeHead(200).end();
      });
    });
  }

  get url() {
    return `http://127.0.0.1:${this.server.address().port}/webhooks`;
  }

  /**
   * Checks every request so far with the SDK: a valid signature and key, the exact content type,
   * and a body of {time_ms, events}. Throws naming the first bad one.
   */
  assertAllValid(sdk) {
    if (this.requests.length === 0) {
      throw new Error('no webhook requests arrived');
    }
    for (const { headers, rawBody } of this.requests) {
      const webhook = sdk.webhook({ headers, rawBody });
      if (!webhook.isValid()) {
        throw new Error(`invalid webhook: ${JSON.stringify(headers)} ${rawBody}`);
      }
      const body = webhook.getData();
      if (typeof body.time_ms !== 'number' || !Array.isArray(body.events)) {
        throw new Error(`not {time_ms, events}: ${rawBody}`);
      }
    }
  }

  /** The events so far matching `predicate`, each as 'name channel user_id'. */
  names(predicate = () => true) {
    return this.events.values.filter(predicate).map(describe);
  }

  close() {
    return new Promise((resolve) => this.server.close(resolve));
  }
}

function describe(e) {
  return [e.name, e.channel, e.user_id].filter((x) => x !== undefined).join(' ');
}

module.exports = { WebhookReceiver, describe };
