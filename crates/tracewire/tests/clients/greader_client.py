#!/usr/bin/env python3
"""Drive Tracewire's Google Reader API with a real third-party client.

Client library: PyPI `google-reader` 0.0.3 (MIT, by the Miniflux author;
module `google_reader`).  It declares Requires-Python >=3.12 but its code
runs on 3.11, so install it with `pip install --ignore-requires-python -r
requirements.txt`.

Configuration (argv overrides env):
    greader_client.py [BASE [USER [PASS [FEED_URL]]]]
    TW_BASE      server root, e.g. http://127.0.0.1:8080  (the library adds
                 /accounts/ClientLogin and /reader/api/0/...)
    TW_USER, TW_PASS
    TW_FEED_URL  feed to subscribe to
    TW_WAIT      seconds to poll for items (default 60)

Every step goes through the library's public `google_reader.Client` API,
except the one thing the library has no method for: `unread-count`.  That
call is made with the library's own requests session (`client._session`)
and the same `Authorization: GoogleLogin auth=...` header the library uses;
it is listed as "unread-count(raw)" in `covered`.

On success prints one JSON line {"ok": true, ...} and exits 0; on any
mismatch prints what differed (and a JSON line with "ok": false) and exits 1.
"""

import json
import os
import sys
import time
import traceback

import google_reader as gr
from google_reader import Client

CLIENT_NAME = "google-reader 0.0.3"
LONG_PREFIX = "tag:google.com,2005:reader/item/"

covered = []
state = {}


class Mismatch(Exception):
    pass


def check(cond, what, **seen):
    if not cond:
        detail = "; ".join(f"{k}={v!r}" for k, v in seen.items())
        raise Mismatch(f"{what}" + (f" -- saw {detail}" if detail else ""))


def cfg():
    a = sys.argv[1:]

    def pick(i, env, default=None):
        if len(a) > i and a[i]:
            return a[i]
        v = os.environ.get(env, default)
        if v is None:
            raise SystemExit(f"missing {env} (argv[{i + 1}] or env)")
        return v

    return (
        pick(0, "TW_BASE").rstrip("/"),
        pick(1, "TW_USER"),
        pick(2, "TW_PASS"),
        pick(3, "TW_FEED_URL"),
        float(os.environ.get("TW_WAIT", "60")),
    )


def decimal_id(item_id):
    """Any GReader item id form -> our decimal article id.

    long form  tag:google.com,2005:reader/item/000000000000007b -> 123
    short hex  000000000000007b (16 hex digits)                 -> 123
    decimal    "123"                                            -> 123
    """
    s = str(item_id)
    if s.startswith(LONG_PREFIX):
        return int(s[len(LONG_PREFIX):], 16)
    if len(s) == 16 and all(c in "0123456789abcdefABCDEF" for c in s):
        return int(s, 16)
    return int(s)


def ref_ids(client, auth, stream, **kw):
    """All item ids (decimal ints) of a stream, following continuation."""
    out, cont, pages = [], None, 0
    while True:
        r = client.get_stream_items_ids(auth, stream, continuation=cont, **kw)
        out.extend(decimal_id(x.id) for x in r.item_refs)
        pages += 1
        cont = r.continuation
        if not cont or pages > 100:
            return out


def unread_ids(client, auth, stream):
    return ref_ids(client, auth, stream, exclude_target=gr.STREAM_READ)


def raw_unread_count(client, auth, base, stream):
    """The library has no unread-count method: use its session + header."""
    resp = client._session.get(
        f"{base}/reader/api/0/unread-count",
        headers={"Authorization": f"{auth.TokenType} auth={auth.AccessToken}"},
        params={"output": "json"},
    )
    check(resp.status_code == 200, "unread-count status 200", status=resp.status_code, body=resp.text[:300])
    data = resp.json()
    check(isinstance(data.get("unreadcounts"), list), "unread-count has list 'unreadcounts'", body=data)
    for row in data["unreadcounts"]:
        check("id" in row and "count" in row, "unreadcounts rows have id and count", row=row)
        if row["id"] == stream:
            return int(row["count"])
    return 0  # a stream with no unread items may be left out


def main():
    base, user, password, feed_url, wait = cfg()
    client = Client(base)

    # -- login / token / user-info ------------------------------------------
    try:
        client.login(user, password + "-wrong")
        raise Mismatch("ClientLogin accepted a wrong password")
    except gr.AuthenticationError:
        covered.append("ClientLogin(bad password rejected)")

    auth = client.login(user, password)
    check(auth.AccessToken, "ClientLogin returned an Auth token")
    covered.append("ClientLogin")

    try:
        client.get_token(gr.AuthToken("GoogleLogin", "not-a-valid-token"))
        raise Mismatch("token endpoint accepted a bogus Auth token")
    except gr.AuthenticationError:
        covered.append("401 on bad auth")

    token = client.get_token(auth)
    check(token and "\n" not in token, "token is a single non-empty line", token=token)
    covered.append("token")

    info = client.get_user_info(auth)
    check(info.user_id and info.user_name, "user-info has userId and userName", info=info)
    covered.append("user-info")

    # -- subscribe -----------------------------------------------------------
    qa = client.quick_add_subscription(auth, token, feed_url)
    check(qa.stream_id.startswith("feed/"), "quickadd streamId is feed/<id>", quickadd=qa)
    check(qa.num_results == 1, "quickadd numResults == 1", quickadd=qa)
    stream = qa.stream_id
    state["stream"] = stream
    covered.append("subscription/quickadd")

    new_title = "Tracewire client test"
    client.edit_subscription(auth, token, stream, "edit", title=new_title)
    covered.append("subscription/edit(title)")

    subs = client.list_subscriptions(auth)
    mine = [s for s in subs if s.id == stream]
    check(len(mine) == 1, "subscription/list contains the quickadded stream once",
          stream=stream, ids=[s.id for s in subs])
    check(mine[0].url == feed_url, "subscription url is the feed url", got=mine[0].url, want=feed_url)
    check(mine[0].title == new_title, "subscription/edit renamed it", got=mine[0].title)
    covered.append("subscription/list")

    tags = client.list_tags(auth)
    check(any(t.id == gr.STREAM_STARRED for t in tags), "tag/list includes the starred state",
          tags=[t.id for t in tags])
    covered.append("tag/list")

    # -- wait until the reading list has items of this feed -----------------
    deadline = time.monotonic() + wait
    while True:
        feed_ids = ref_ids(client, auth, stream)
        if feed_ids:
            break
        if time.monotonic() > deadline:
            raise Mismatch(f"no items in {stream} after {wait:.0f}s")
        time.sleep(1)
    reading = ref_ids(client, auth, gr.STREAM_READING_LIST)
    check(set(feed_ids) <= set(reading), "reading-list contains every item of the feed",
          missing=sorted(set(feed_ids) - set(reading)))
    covered.append("stream/items/ids(reading-list)")
    covered.append("stream/items/ids(feed)")

    # paging with n=1 and continuation
    if len(feed_ids) >= 2:
        p1 = client.get_stream_items_ids(auth, stream, limit=1)
        check(len(p1.item_refs) == 1, "n=1 gives one itemRef", got=len(p1.item_refs))
        check(p1.continuation, "n=1 on a longer stream gives a continuation", got=p1.continuation)
        p2 = client.get_stream_items_ids(auth, stream, limit=1, continuation=p1.continuation)
        check(len(p2.item_refs) == 1 and p2.item_refs[0].id != p1.item_refs[0].id,
              "continuation gives the next, different item", p1=p1, p2=p2)
        asc = ref_ids(client, auth, stream, direction="asc")
        check(sorted(asc) == sorted(feed_ids), "r=o returns the same items", asc=asc, desc=feed_ids)
        covered.append("continuation")

    # -- contents --------------------------------------------------------------
    contents = client.get_stream_items_contents(auth, token, [str(i) for i in feed_ids])
    got = {decimal_id(it.id): it for it in contents.items}
    check(set(got) == set(feed_ids), "items/contents returns exactly the asked items",
          asked=sorted(feed_ids), got=sorted(got))
    for it in contents.items:
        check(it.id.startswith(LONG_PREFIX) and len(it.id) == len(LONG_PREFIX) + 16,
              "item id is tag:google.com,2005:reader/item/<16 hex>", id=it.id)
        check(it.origin.stream_id == stream, "item origin.streamId is the feed stream",
              got=it.origin.stream_id)
        check(it.title, "item has a title", id=it.id)
        check(it.alternate and it.alternate[0].href, "item has alternate[0].href", id=it.id)
        check(isinstance(it.published, int) and it.published > 0, "published is epoch seconds (int)",
              got=it.published)
        check(str(it.timestamp_usec).isdigit() and str(it.crawl_time_msec).isdigit(),
              "timestampUsec/crawlTimeMsec are digit strings", ts=it.timestamp_usec, crawl=it.crawl_time_msec)
        check(gr.STREAM_READING_LIST in it.categories, "categories include reading-list", cats=it.categories)
    # long-form ids must be accepted as input too
    long_ids = [gr.get_long_item_id(i) for i in feed_ids[:1]]
    again = client.get_stream_items_contents(auth, token, long_ids)
    check([decimal_id(x.id) for x in again.items] == feed_ids[:1], "items/contents accepts long-form ids",
          got=[x.id for x in again.items])
    covered.append("stream/items/contents")

    # -- unread counts before ---------------------------------------------------
    unread0 = unread_ids(client, auth, stream)
    if not unread0:
        # e.g. a previous run (or fever_client.py) marked the feed read
        client.edit_tags(auth, token, [str(i) for i in feed_ids[:3]], remove_tags=[gr.STREAM_READ])
        covered.append("edit-tag(r=read, setup)")
        unread0 = unread_ids(client, auth, stream)
    check(len(unread0) >= 1, "feed has unread items before marking", unread=unread0)
    count0 = raw_unread_count(client, auth, base, stream)
    check(count0 == len(unread0), "unread-count equals number of unread ids", count=count0, ids=len(unread0))
    covered.append("unread-count(raw)")
    covered.append("stream/items/ids(xt=read)")

    # -- mark one read --------------------------------------------------------
    read_id = unread0[0]
    client.edit_tags(auth, token, [gr.get_long_item_id(read_id)], add_tags=[gr.STREAM_READ])
    unread1 = unread_ids(client, auth, stream)
    check(read_id not in unread1 and len(unread1) == len(unread0) - 1,
          "marking read removes exactly that item from unread", read=read_id, before=unread0, after=unread1)
    count1 = raw_unread_count(client, auth, base, stream)
    check(count1 == count0 - 1, "unread-count dropped by one", before=count0, after=count1)
    read_stream = ref_ids(client, auth, gr.STREAM_READ)
    check(read_id in read_stream, "read item is in user/-/state/com.google/read", read=read_id)
    it = client.get_stream_items_contents(auth, token, [str(read_id)]).items[0]
    check(gr.STREAM_READ in it.categories, "read item's categories include the read state", cats=it.categories)
    covered.append("edit-tag(a=read)")

    # mark unread again, then read again (round trip through r=)
    client.edit_tags(auth, token, [str(read_id)], remove_tags=[gr.STREAM_READ])
    check(read_id in unread_ids(client, auth, stream), "edit-tag r=read makes it unread again", id=read_id)
    client.edit_tags(auth, token, [str(read_id)], add_tags=[gr.STREAM_READ])
    check(read_id not in unread_ids(client, auth, stream), "decimal id accepted by edit-tag", id=read_id)
    covered.append("edit-tag(r=read)")

    # -- star one -------------------------------------------------------------
    star_id = unread1[0] if unread1 else read_id
    client.edit_tags(auth, token, [gr.get_long_item_id(star_id)], add_tags=[gr.STREAM_STARRED])
    starred = ref_ids(client, auth, gr.STREAM_STARRED)
    check(star_id in starred, "starred stream contains the starred item", star=star_id, starred=starred)
    it = client.get_stream_items_contents(auth, token, [str(star_id)]).items[0]
    check(gr.STREAM_STARRED in it.categories, "starred item's categories include starred", cats=it.categories)
    unread_after_star = unread_ids(client, auth, stream)
    check(sorted(unread_after_star) == sorted(unread1), "starring does not change unread", before=unread1,
          after=unread_after_star)
    in_feed_starred = ref_ids(client, auth, stream, include_target=gr.STREAM_STARRED)
    check(star_id in in_feed_starred and set(in_feed_starred) <= set(starred) & set(feed_ids),
          "it=starred on the feed gives only starred items of the feed", got=in_feed_starred)
    covered.append("edit-tag(a=starred)")
    covered.append("stream/items/ids(starred)")

    # -- mark all as read ----------------------------------------------------
    client.mark_all_as_read(auth, token, stream)
    unread2 = unread_ids(client, auth, stream)
    check(unread2 == [], "mark-all-as-read leaves no unread items in the feed", unread=unread2)
    count2 = raw_unread_count(client, auth, base, stream)
    check(count2 == 0, "unread-count is 0 after mark-all-as-read", count=count2)
    check(star_id in ref_ids(client, auth, gr.STREAM_STARRED), "mark-all-as-read keeps the star", star=star_id)
    covered.append("mark-all-as-read")

    state.update(starred_ids=[star_id], read_ids=sorted(set(feed_ids)), marked_read_id=read_id)
    print(f"starred item ids (decimal): {[star_id]}; explicitly read: {read_id}; "
          f"all read after mark-all-as-read: {sorted(feed_ids)}")
    print(json.dumps({"ok": True, "client": CLIENT_NAME, "covered": covered, "stream": stream,
                      "starred_ids": [star_id], "marked_read_id": read_id,
                      "read_ids": sorted(set(feed_ids))}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        print(json.dumps({"ok": False, "client": CLIENT_NAME, "error": str(e), "covered": covered, **state}))
        sys.exit(1)
    except Exception as e:  # client raised (ClientError, HTTP error, bad JSON, ...)
        traceback.print_exc()
        print(json.dumps({"ok": False, "client": CLIENT_NAME, "error": f"{type(e).__name__}: {e}",
                          "covered": covered, **state}))
        sys.exit(1)
