package dev.beacon.core.hub;

import dev.beacon.protocol.pusher.ServerMessage.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The members of one presence channel: each user once, however many of its connections are
 * subscribed. Every change takes a new version, so that a subscriber is sent only the member
 * events newer than the snapshot it got on joining.
 */
final class PresenceRoster {

  /** Sized for a few members (many presence channels hold one or two); grows as any map. */
  private final LinkedHashMap<String, Entry> members = new LinkedHashMap<>(2);
  private final String appId;
  private final String channel;
  private final PresenceListener listener;
  private long version;

  PresenceRoster(String appId, String channel, PresenceListener listener) {
    this.appId = appId;
    this.channel = channel;
    this.listener = listener;
  }

  /** What a join did. {@code members} is the snapshot including the joiner; empty when full. */
  record Join(boolean added, boolean first, long version, List<Member> members, Member self) {}

  /** What a leave did. */
  record Leave(boolean last, long version) {}

  synchronized Join join(String userId, String userInfoJson, int maxMembers) {
    Entry entry = members.get(userId);
    if (entry == null) {
      if (members.size() >= maxMembers) {
        return new Join(false, false, version, List.of(), null);
      }
      entry = new Entry(new Member(userId, userInfoJson));
      members.put(userId, entry);
    }
    entry.connections++;
    version++;
    if (entry.connections == 1) {
      listener.memberJoined(appId, channel, entry.member);
    }
    return new Join(true, entry.connections == 1, version, snapshot(), entry.member);
  }

  synchronized Leave leave(String userId) {
    Entry entry = members.get(userId);
    if (entry == null) {
      return new Leave(false, version);
    }
    version++;
    if (--entry.connections == 0) {
      members.remove(userId);
      listener.memberLeft(appId, channel, userId);
      return new Leave(true, version);
    }
    return new Leave(false, version);
  }

  /** A member and how many of this node's connections or sessions hold it. */
  record Holding(Member member, int connections) {}

  synchronized List<Holding> holdings() {
    List<Holding> out = new ArrayList<>(members.size());
    members.forEach((id, e) -> out.add(new Holding(e.member, e.connections)));
    return out;
  }

  synchronized int userCount() {
    return members.size();
  }

  synchronized List<String> userIds() {
    return new ArrayList<>(members.keySet());
  }

  synchronized boolean contains(String userId) {
    return members.containsKey(userId);
  }

  synchronized List<Member> members() {
    return snapshot();
  }

  private List<Member> snapshot() {
    // forEach rather than values(): a values view would be kept with every roster (16 B)
    List<Member> out = new ArrayList<>(members.size());
    members.forEach((id, e) -> out.add(e.member));
    return out;
  }

  private static final class Entry {
    final Member member;
    int connections;

    Entry(Member member) {
      this.member = member;
    }
  }
}
