#!/usr/bin/env python3
"""Drive Tracewire's Fever API with a real third-party client.

Client library: PyPI `freshrss-api` 2.0.5 (AGPL-3.0; module `freshrss_api`,
class `FreshRSSAPI`).  It imports `loguru` without declaring it, so
requirements.txt pins loguru too.  It is installed only into a throwaway
test venv; nothing of it is copied into Tracewire.

Configuration (argv overrides env):
    fever_client.py [BASE [USER [PASS [FEED_URL]]]]
    TW_BASE       server root, e.g. http://127.0.0.1:8080
    TW_USER, TW_PASS
    TW_FEED_URL   a feed that is ALREADY subscribed (Fever has no subscribe
                  call): the script finds it in `feeds` by its url
    TW_FEVER_URL  Fever endpoint; default "$TW_BASE/fever/".  The library
                  itself always builds "$host/api/fever.php"; set
                  TW_FEVER_URL=native to use exactly that.
    TW_WAIT       seconds to poll for the feed's items (default 60)

Library public API used: constructor (auth check), get_groups, get_feeds,
get_items_from_dates (since_id paging), get_items_from_ids (with_ids),
get_unreads, get_saved, set_mark("saved"/"unsaved"/"read").  The library has
no method for: mark feed read, unread_item_ids/saved_item_ids as raw
strings, links, favicons, max_id paging -- those go through the library's
own request helper `_call(...)` (same POST, same api_key) and are listed
with "(raw)" in `covered`.
"""

import json
import os
import sys
import time
import traceback

from freshrss_api import APIError, AuthenticationError, FreshRSSAPI

CLIENT_NAME = "freshrss-api 2.0.5"
ITEM_KEYS = {"id", "feed_id", "title", "author", "html", "url", "is_saved", "is_read", "created_on_time"}
FEED_KEYS = {"id", "favicon_id", "title", "url", "site_url", "is_spark", "last_updated_on_time"}

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

    def pick(i, env):
        if len(a) > i and a[i]:
            return a[i]
        v = os.environ.get(env)
        if v is None:
            raise SystemExit(f"missing {env} (argv[{i + 1}] or env)")
        return v

    base = pick(0, "TW_BASE").rstrip("/")
    endpoint = os.environ.get("TW_FEVER_URL", f"{base}/fever/")
    return base, pick(1, "TW_USER"), pick(2, "TW_PASS"), pick(3, "TW_FEED_URL"), endpoint, \
        float(os.environ.get("TW_WAIT", "60"))


def client_class(endpoint):
    """FreshRSSAPI, pointed at `endpoint` before its constructor's auth check.

    The library hard-codes f"{host}/api/fever.php"; the only change here is
    the URL, set just before the library's own `_check_auth` runs.
    """
    if endpoint == "native":
        return FreshRSSAPI

    class TracewireFever(FreshRSSAPI):
        def _check_auth(self):
            self.api_endpoint = endpoint
            super()._check_auth()

    return TracewireFever


def id_list(s):
    check(isinstance(s, str), "*_item_ids is a comma-separated string", got=s)
    return [int(x) for x in s.split(",") if x != ""]


def main():
    base, user, password, feed_url, endpoint, wait = cfg()
    Api = client_class(endpoint)

    # -- auth --------------------------------------------------------------
    try:
        Api(host=base, username=user, password=password + "-wrong")
        raise Mismatch("Fever accepted a wrong api_key")
    except AuthenticationError:
        covered.append("auth:0 for bad api_key")
    except APIError as e:  # non-2xx or non-JSON: library retries once, then this
        raise Mismatch(f"bad api_key must give HTTP 200 JSON with auth:0, got APIError: {e}")

    api = Api(host=base, username=user, password=password)
    hello = api._call("api")
    check(hello.get("api_version") == 3, "api_version is 3", got=hello)
    check(isinstance(hello.get("last_refreshed_on_time"), int), "last_refreshed_on_time is an int", got=hello)
    covered.append("auth")

    # -- feeds / groups -------------------------------------------------------
    deadline = time.monotonic() + wait
    while True:
        feeds = api.get_feeds()
        mine = [f for f in feeds.get("feeds", []) if f.get("url") == feed_url]
        if mine:
            break
        if time.monotonic() > deadline:
            raise Mismatch(f"feed {feed_url} not in ?feeds after {wait:.0f}s (subscribe it first)",)
        time.sleep(1)
    feed = mine[0]
    check(FEED_KEYS <= set(feed), "feed has all Fever feed keys", missing=sorted(FEED_KEYS - set(feed)))
    check(isinstance(feed["id"], int), "feed id is an int", got=feed["id"])
    check(isinstance(feeds.get("feeds_groups"), list), "?feeds also returns feeds_groups", got=feeds.keys())
    feed_id = feed["id"]
    state["feed_id"] = feed_id
    covered.append("feeds")

    groups = api.get_groups()
    check(isinstance(groups.get("groups"), list), "?groups returns groups list", got=groups)
    for g in groups["groups"]:
        check({"id", "title"} <= set(g), "group has id and title", group=g)
    check(isinstance(groups.get("feeds_groups"), list), "?groups returns feeds_groups", got=groups)
    for fg in groups["feeds_groups"]:
        check(isinstance(fg.get("feed_ids"), str), "feeds_groups.feed_ids is a comma string", row=fg)
        id_list(fg["feed_ids"])
    covered.append("groups")

    # -- items (since_id paging) ---------------------------------------------
    while True:
        items = [i for i in api.get_items_from_dates(since=0) if i.feed_id == feed_id]
        if items:
            break
        if time.monotonic() > deadline:
            raise Mismatch(f"no items for feed {feed_id} after {wait:.0f}s")
        time.sleep(1)
    covered.append("items(since_id)")
    raw = api._call("items", since_id="0")
    check(isinstance(raw.get("total_items"), int), "?items has total_items int", got=raw.get("total_items"))
    for it in raw.get("items", []):
        check(ITEM_KEYS <= set(it), "item has all Fever item keys", missing=sorted(ITEM_KEYS - set(it)))
        check(it["is_read"] in (0, 1) and it["is_saved"] in (0, 1), "is_read/is_saved are ints 0/1", item=it)
    ids = sorted(i.id for i in items)
    # max_id paging: everything below the newest id
    if len(ids) >= 2:
        below = api._call("items", max_id=str(ids[-1]))
        got = [int(x["id"]) for x in below.get("items", [])]
        check(ids[-1] not in got and ids[-2] in got, "max_id returns items with id < max_id",
              max_id=ids[-1], got=got)
        covered.append("items(max_id)(raw)")
    by_ids = api.get_items_from_ids(ids[:3])
    check(sorted(i.id for i in by_ids) == ids[:3], "with_ids returns exactly those items",
          want=ids[:3], got=[i.id for i in by_ids])
    covered.append("items(with_ids)")

    # -- unread ---------------------------------------------------------------
    unread0 = [i for i in api.get_unreads() if i.feed_id == feed_id]
    if not unread0:
        # e.g. greader_client.py already marked this feed read.  The library
        # refuses set_mark("unread"), so use its request helper.
        for i in ids[:3]:
            resp = api._call(mark="item", as_="unread", id=str(i))
            check(i in id_list(resp.get("unread_item_ids", "")), "mark item unread answers with it unread",
                  got=resp)
        covered.append("mark item unread(raw)")
        unread0 = [i for i in api.get_unreads() if i.feed_id == feed_id]
    check(unread0, "feed has unread items", items=ids)
    check(all(not i.is_read for i in unread0), "unread items have is_read 0")
    covered.append("unread_item_ids")

    # -- save one --------------------------------------------------------------
    save_id = unread0[0].id
    resp = api.set_mark("saved", save_id)
    check(save_id in id_list(resp.get("saved_item_ids", "")), "mark saved answers with saved_item_ids incl. it",
          got=resp)
    saved = api.get_saved()
    check(save_id in [i.id for i in saved], "saved items contain it", saved=[i.id for i in saved])
    check(save_id in id_list(api._call("saved_item_ids")["saved_item_ids"]), "saved_item_ids contains it")
    check(api.get_items_from_ids([save_id])[0].is_saved, "item shows is_saved 1")
    covered.append("mark item saved")
    covered.append("saved_item_ids")

    # save + unsave another (round trip)
    if len(ids) >= 2:
        other = next(i for i in ids if i != save_id)
        api.set_mark("saved", other)
        resp = api.set_mark("unsaved", other)
        check(other not in id_list(resp.get("saved_item_ids", "")), "unsaved removes it from saved_item_ids",
              got=resp)
        covered.append("mark item unsaved")

    # -- read one --------------------------------------------------------------
    read_id = unread0[-1].id
    resp = api.set_mark("read", read_id)
    check(read_id not in id_list(resp.get("unread_item_ids", "")),
          "mark read answers with unread_item_ids without it", got=resp)
    unread1 = id_list(api._call("unread_item_ids")["unread_item_ids"])
    check(read_id not in unread1, "unread_item_ids no longer has it", got=unread1)
    check(api.get_items_from_ids([read_id])[0].is_read, "item shows is_read 1")
    covered.append("mark item read")

    # -- mark feed read ----------------------------------------------------
    resp = api._call(mark="feed", as_="read", id=str(feed_id), before=str(int(time.time()) + 5))
    unread2 = id_list(resp.get("unread_item_ids", api._call("unread_item_ids")["unread_item_ids"]))
    left = sorted(set(unread2) & set(ids))
    check(left == [], "mark feed read leaves none of the feed's items unread", left=left)
    check([i for i in api.get_unreads() if i.feed_id == feed_id] == [], "get_unreads has none of the feed")
    if os.environ.get("TW_FEVER_EXPECT_ALL_READ", "1") == "1":
        check(unread2 == [], "unread_item_ids empty after marking the feed read", got=unread2)
    check(save_id in id_list(api._call("saved_item_ids")["saved_item_ids"]), "mark feed read keeps the save")
    covered.append("mark feed read(raw)")

    # -- links / favicons ------------------------------------------------------
    links = api._call("links")
    check(isinstance(links.get("links"), list), "?links returns a links list", got=links)
    covered.append("links(raw)")
    fav = api._call("favicons")
    check(isinstance(fav.get("favicons"), list), "?favicons returns a favicons list", got=fav)
    for f in fav["favicons"]:
        check({"id", "data"} <= set(f), "favicon has id and data", fav=f)
    covered.append("favicons(raw)")

    print(f"saved (starred) item ids: {[save_id]}; explicitly read: {read_id}; "
          f"all read after mark feed read: {ids}")
    print(json.dumps({"ok": True, "client": CLIENT_NAME, "covered": covered, "feed_id": feed_id,
                      "starred_ids": [save_id], "marked_read_id": read_id, "read_ids": ids}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        print(json.dumps({"ok": False, "client": CLIENT_NAME, "error": str(e), "covered": covered, **state}))
        sys.exit(1)
    except Exception as e:
        traceback.print_exc()
        print(json.dumps({"ok": False, "client": CLIENT_NAME, "error": f"{type(e).__name__}: {e}",
                          "covered": covered, **state}))
        sys.exit(1)
