#!/usr/bin/env python3
"""Independent reference compiler of git-bug data (format version 4).

    python3 test/reference/gitbug_reference.py REPO_GIT_DIR

Prints one JSON object per bug per line, sorted by id, in bugserve's API bug
shape (without "timeline"); a bug git-bug could not read is printed as
{"id": ..., "damaged": "<reason>"}. Notes that are not part of the comparison
(for instance a DAG that upstream git-bug's own reader would reject) go to
stderr as lines starting with "note:".

Written from git-bug's Go sources (entity/dag, entities/bug, entities/identity,
entity/id_interleaved.go), not from bugserve's code: it exists to check
bugserve. Standard library only; objects are read with one long-lived
`git cat-file --batch` process.

What it models is git-bug's read path (dag.Read, then Bug.Compile): what git-bug
shows for data already in a repository. A bug is damaged where that path fails
or panics, where the API cannot express the result (a status other than open
or closed, a bug with no create op first), and by one rule of the format doc:
the ref must be named after the bug's id. Bug.Validate (op validity, a single
create, unique op ids) runs only before git-bug writes or pulls, so it is not
applied here.
Two deliberate departures: the DAG is walked in a true parents-first order
(upstream's reversed BFS is a known bug, reported as a note instead), and the
author's name is bugserve's rule (name, else login) rather than git-bug's
DisplayName ("name (login)").
"""

import base64
import binascii
import hashlib
import json
import re
import subprocess
import sys

FORMAT_VERSION = 4
IDENTITY_FORMAT_VERSION = 2
EDIT_CLOCK = "bugs-edit"

CREATE, SET_TITLE, ADD_COMMENT, SET_STATUS, LABEL_CHANGE, EDIT_COMMENT, NOOP, SET_METADATA = range(1, 9)

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1
DIGITS = re.compile(r"[0-9]+")


class Damaged(Exception):
    """The entity cannot be read, as git-bug would fail (or panic) on it."""


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def valid_id(s):
    # entity.Id.Validate: 64 characters in [a-z0-9]
    return isinstance(s, str) and len(s) == 64 and all("a" <= c <= "z" or "0" <= c <= "9" for c in s)


def iso(ts):
    """time.Unix(ts, 0) in UTC, ISO 8601 without fractional seconds; years
    outside 0000-9999 in ISO 8601's expanded form (sign and six digits)."""
    days, secs = divmod(ts, 86400)
    # civil date from days since 1970-01-01 (proleptic Gregorian)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    y = "%04d" % year if 0 <= year <= 9999 else "%s%06d" % ("+" if year > 0 else "-", abs(year))
    return "%s-%02d-%02dT%02d:%02d:%02dZ" % (y, month, day, secs // 3600, secs // 60 % 60, secs % 60)


# --------------------------------------------------------------------------
# git objects


class Git:
    def __init__(self, git_dir):
        self.git_dir = git_dir
        self.proc = subprocess.Popen(
            ["git", "--git-dir", git_dir, "cat-file", "--batch"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        self.cache = {}

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()

    def read(self, oid):
        """Returns (type, bytes); raises Damaged when the object is missing."""
        if oid in self.cache:
            return self.cache[oid]
        self.proc.stdin.write(oid.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode().split()
        if len(header) != 3:
            raise Damaged("missing object %s" % oid)
        _, kind, size = header
        data = self.proc.stdout.read(int(size))
        self.proc.stdout.read(1)  # the newline after the content
        self.cache[oid] = (kind, data)
        return kind, data

    def read_kind(self, oid, kind):
        got, data = self.read(oid)
        if got != kind:
            raise Damaged("object %s is a %s, not a %s" % (oid, got, kind))
        return data

    def commit(self, oid):
        data = self.read_kind(oid, "commit")
        head = data.split(b"\n\n", 1)[0].decode("utf-8", "replace")
        tree, parents, signed = None, [], False
        for line in head.split("\n"):
            if line.startswith(" "):
                continue  # continuation of a multi-line header (gpgsig)
            key, _, value = line.partition(" ")
            if key == "tree" and tree is None:
                tree = value
            elif key == "parent":
                parents.append(value)
            elif key in ("gpgsig", "gpgsig-sha256"):
                signed = True
        if tree is None:
            raise Damaged("commit %s has no tree" % oid)
        return {"oid": oid, "tree": tree, "parents": parents, "signed": signed}

    def tree(self, oid):
        """Entries (mode, name, oid) in stored (git) order."""
        data = self.read_kind(oid, "tree")
        entries, i = [], 0
        while i < len(data):
            sp = data.index(b" ", i)
            nul = data.index(b"\0", sp)
            mode = data[i:sp].decode()
            name = data[sp + 1:nul].decode("utf-8", "surrogateescape")
            entries.append((mode, name, data[nul + 1:nul + 21].hex()))
            i = nul + 21
        return entries

    def refs(self, prefix):
        out = subprocess.run(
            ["git", "--git-dir", self.git_dir, "for-each-ref", "--format=%(objectname) %(refname)", prefix],
            check=True, stdout=subprocess.PIPE,
        ).stdout.decode("utf-8", "surrogateescape")
        refs = []
        for line in out.splitlines():
            oid, ref = line.split(" ", 1)
            refs.append((ref[len(prefix):], oid))
        return refs


# --------------------------------------------------------------------------
# JSON as Go's encoding/json reads it


def _reject_constant(name):
    raise ValueError("invalid JSON value %s" % name)


class Pairs(list):
    """A JSON object kept as its ordered (key, value) pairs: Go assigns the
    struct fields key by key, so duplicates and letter case matter."""


DECODER = json.JSONDecoder(object_pairs_hook=Pairs, parse_constant=_reject_constant, strict=True)
WS = " \t\n\r"


def skip_ws(text, i):
    while i < len(text) and text[i] in WS:
        i += 1
    return i


def decode_value(text, i):
    try:
        return DECODER.raw_decode(text, i)
    except (ValueError, RecursionError) as e:
        raise Damaged("invalid JSON: %s" % e)


def decode_document(data):
    """Whole blob -> value, like json.Unmarshal (no trailing data allowed)."""
    text = data.decode("utf-8", "surrogateescape")
    i = skip_ws(text, 0)
    value, end = decode_value(text, i)
    if skip_ws(text, end) != len(text):
        raise Damaged("invalid JSON: data after the top-level value")
    return value


def fold(s):
    # Go's case folding for field names; the two non-ASCII folds that matter
    return s.replace("\u212a", "k").replace("\u017f", "s").lower()


def struct_fields(pairs, names):
    """Go struct decoding of an object: each key, in order, sets the field of
    that exact name, else the first field whose name folds the same; the last
    key to set a field wins. Unknown keys are ignored."""
    out = {}
    for key, value in pairs:
        if key in names:
            out[key] = value
            continue
        for name in names:
            if fold(name) == fold(key):
                out[name] = value
                break
    return out


def go_string(v, what):
    if v is None:
        return ""
    if not isinstance(v, str):
        raise Damaged("%s: expected a string" % what)
    # Go replaces invalid UTF-8 (and lone surrogate escapes) with U+FFFD, one per byte
    return re.sub("[\ud800-\udfff]", "\ufffd", v)


def go_int(v, what, lo=INT64_MIN, hi=INT64_MAX):
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise Damaged("%s: expected an integer" % what)
    return v


def go_bytes(v, what):
    if v is None:
        return b""
    if not isinstance(v, str):
        raise Damaged("%s: expected base64 text" % what)
    try:
        return base64.b64decode(v.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise Damaged("%s: invalid base64" % what)


def go_string_list(v, what):
    if v is None:
        return []
    if not isinstance(v, list) or isinstance(v, Pairs):
        raise Damaged("%s: expected an array" % what)
    return [go_string(x, what) for x in v]


def go_string_map(v, what):
    if v is None:
        return {}
    if not isinstance(v, Pairs):
        raise Damaged("%s: expected an object" % what)
    return {go_string(k, what): go_string(x, what) for k, x in v}


def as_object(v, what):
    if v is None:
        return Pairs()
    if not isinstance(v, Pairs):
        raise Damaged("%s: expected an object" % what)
    return v


# --------------------------------------------------------------------------
# identities (entities/identity/identity.go, version.go)


def read_identity(git, ident_id, head):
    """Returns {"id", "name", "versions": [times, keys]}; raises Damaged."""
    if not valid_id(ident_id):
        raise Damaged("invalid identity id")
    chain, oid = [], head
    while True:  # first-parent walk back to the first version
        c = git.commit(oid)
        chain.append(c)
        if not c["parents"]:
            break
        oid = c["parents"][0]
    chain.reverse()
    versions = []
    for c in chain:
        entries = git.tree(c["tree"])
        if len(entries) != 1 or entries[0][1] != "version":
            raise Damaged("invalid identity data at %s" % c["oid"])
        data = git.read_kind(entries[0][2], "blob")
        f = struct_fields(as_object(decode_document(data), "identity version"), [
            "version", "times", "unix_time", "name", "email", "login", "avatar_url", "pub_keys", "nonce", "metadata"])
        if go_int(f.get("version"), "version", 0, UINT64_MAX) != IDENTITY_FORMAT_VERSION:
            raise Damaged("identity format version %r is not %d" % (f.get("version"), IDENTITY_FORMAT_VERSION))
        times = {}
        for k, v in as_object(f.get("times"), "times"):
            times[go_string(k, "times")] = go_int(v, "times", 0, UINT64_MAX)
        go_int(f.get("unix_time"), "unix_time")
        go_bytes(f.get("nonce"), "nonce")
        go_string_map(f.get("metadata"), "metadata")
        keys = f.get("pub_keys")
        if keys is not None and (not isinstance(keys, list) or isinstance(keys, Pairs)):
            raise Damaged("pub_keys: expected an array")
        versions.append({
            "id": sha256_hex(data),
            "name": go_string(f.get("name"), "name"),
            "login": go_string(f.get("login"), "login"),
            "email": go_string(f.get("email"), "email"),
            "times": times,
            "keys": keys or [],
        })
    if versions[0]["id"] != ident_id:
        raise Damaged("identity id doesn't match its first version")
    last = versions[-1]
    # bugserve's display rule: name, else login (git-bug's DisplayName would
    # print "name (login)" when both are set)
    return {"id": ident_id, "name": last["name"] or last["login"], "versions": versions}


def keys_at(identity, edit_time):
    """Identity.ValidKeysAtTime("bugs-edit", t)."""
    result, last = [], 0
    for v in identity["versions"]:
        ref = v["times"].get(EDIT_CLOCK, last)
        last = ref
        if ref > edit_time:
            return result
        result = v["keys"]
    return result


# --------------------------------------------------------------------------
# operation packs (entity/dag/operation_pack.go)

COMMON_FIELDS = ["type", "timestamp", "nonce", "metadata"]
OP_FIELDS = {
    CREATE: ["title", "message", "files"],
    SET_TITLE: ["title", "was"],
    ADD_COMMENT: ["message", "files"],
    SET_STATUS: ["status"],
    LABEL_CHANGE: ["added", "removed"],
    EDIT_COMMENT: ["target", "message", "files"],
    NOOP: [],
    SET_METADATA: ["target", "new_metadata"],
}


def parse_pack_blob(data):
    """The ops blob -> (author id, [(raw op bytes, decoded op value)]).

    Each op's raw bytes are sliced out of the blob exactly as they stand in
    the "ops" array: an op's id is the sha256 of those bytes."""
    text = data.decode("utf-8", "surrogateescape")
    i = skip_ws(text, 0)
    if text.startswith("null", i):
        raise Damaged("missing author")
    if i >= len(text) or text[i] != "{":
        raise Damaged("ops blob is not a JSON object")
    author_raw, ops = None, None
    i = skip_ws(text, i + 1)
    if i < len(text) and text[i] == "}":
        i += 1
    else:
        while True:
            key, i = decode_value(text, i)
            if not isinstance(key, str):
                raise Damaged("invalid JSON: object key")
            i = skip_ws(text, i)
            if i >= len(text) or text[i] != ":":
                raise Damaged("invalid JSON: expected ':'")
            i = skip_ws(text, i + 1)
            field = "author" if fold(key) == "author" else "ops" if fold(key) == "ops" else None
            if field == "ops" and text.startswith("[", i):
                ops, i = [], skip_ws(text, i + 1)
                if text.startswith("]", i):
                    i += 1
                else:
                    while True:
                        start = i
                        value, i = decode_value(text, i)
                        raw = text[start:i].encode("utf-8", "surrogateescape")
                        ops.append((raw, value))
                        i = skip_ws(text, i)
                        if text.startswith(",", i):
                            i = skip_ws(text, i + 1)
                        elif text.startswith("]", i):
                            i += 1
                            break
                        else:
                            raise Damaged("invalid JSON in ops array")
            else:
                value, i = decode_value(text, i)
                if field == "author":
                    author_raw = value
                elif field == "ops":
                    if value is not None:
                        raise Damaged("ops: expected an array")
                    ops = None
            i = skip_ws(text, i)
            if text.startswith(",", i):
                i = skip_ws(text, i + 1)
            elif text.startswith("}", i):
                i += 1
                break
            else:
                raise Damaged("invalid JSON: expected ',' or '}'")
    if skip_ws(text, i) != len(text):
        raise Damaged("invalid JSON: data after the top-level value")
    author = go_string(struct_fields(as_object(author_raw, "author"), ["id"]).get("id"), "author id")
    if author in ("", "unset"):
        raise Damaged("missing author")
    return author, ops or []


def decode_op(raw, value, author):
    """One op as operationUnmarshaler + json.Unmarshal decode it."""
    if not isinstance(value, Pairs) and value is not None:
        raise Damaged("operation is not a JSON object")
    pairs = value or Pairs()
    op_type = go_int(struct_fields(pairs, ["type"]).get("type"), "operation type")
    if op_type not in OP_FIELDS:
        raise Damaged("unknown operation type %d" % op_type)
    f = struct_fields(pairs, COMMON_FIELDS + OP_FIELDS[op_type])
    op = {
        "id": sha256_hex(raw),
        "type": op_type,
        "author": author,
        "timestamp": go_int(f.get("timestamp"), "timestamp"),
    }
    go_bytes(f.get("nonce"), "nonce")
    go_string_map(f.get("metadata"), "metadata")
    for name in OP_FIELDS[op_type]:
        v = f.get(name)
        if name in ("files", "added", "removed"):
            op[name] = go_string_list(v, name)
        elif name == "new_metadata":
            op[name] = go_string_map(v, name)
        elif name == "status":
            op[name] = go_int(v, name)
        else:
            op[name] = go_string(v, name)
    return op


def parse_uint(s, what):
    # strconv.ParseUint(s, 10, 64): digits only, no sign, no underscores
    if not DIGITS.fullmatch(s) or int(s) > UINT64_MAX:
        raise Damaged("can't read %s" % what)
    return int(s)


def read_pack(git, commit):
    entries = git.tree(commit["tree"])
    version = 0
    for _, name, _ in entries:
        if name.startswith("version-"):
            version = parse_uint(name[len("version-"):], "format version")
            if version > 1 << 12:
                raise Damaged("format version too big")
            break
    if version == 0:
        raise Damaged("unknown format version")
    if version != FORMAT_VERSION:
        raise Damaged("unsupported format version %d (expected %d)" % (version, FORMAT_VERSION))
    pack = {"commit": commit, "author": None, "ops": [], "create": 0, "edit": 0, "id": None}
    for _, name, oid in entries:
        if name == "ops":
            data = git.read_kind(oid, "blob")
            author, raw_ops = parse_pack_blob(data)
            pack["author"] = author
            pack["raw_ops"] = raw_ops
            pack["id"] = sha256_hex(data)
        elif name.startswith("create-clock-"):
            pack["create"] = parse_uint(name[len("create-clock-"):], "creation lamport time")
        elif name.startswith("edit-clock-"):
            pack["edit"] = parse_uint(name[len("edit-clock-"):], "edit lamport time")
    if pack["author"] is None:
        # git-bug dereferences the nil author here (ValidKeysAtTime): a panic
        raise Damaged("commit %s has no ops blob" % commit["oid"])
    return pack


# --------------------------------------------------------------------------
# the DAG (entity/dag/entity.go read())


def upstream_bfs_problem(commits, head):
    """git-bug's read() walks the DAG breadth-first from the head and reads the
    reversed BFS order as if it were topological. That is wrong when two
    branches of a merge differ in length: git-bug then fails with "creation
    lamport time not set", "multiple leafs" or panics with "DFS failed".
    Returns that failure, or None when upstream git-bug reads the DAG fine."""
    order, seen, queue = [], {head}, [head]
    while queue:
        oid = queue.pop(0)
        order.append(oid)
        for p in commits[oid]["parents"]:
            if p not in seen:
                seen.add(p)
                queue.append(p)
    done = set()
    for i in range(len(order) - 1, -1, -1):
        c = commits[order[i]]
        first = i == len(order) - 1
        if not first and not c["parents"]:
            return "multiple leafs in the entity DAG"
        if first and c["parents"]:
            return "creation lamport time not set (a non-root commit is read first)"
        for p in c["parents"]:
            if p not in done:
                return "panic: DFS failed"
        done.add(order[i])
    return None


def read_bug_ops(git, bug_id, head, identities, notes):
    """Returns the operations in git-bug's order; raises Damaged."""
    if not valid_id(bug_id):
        raise Damaged("invalid bug id in ref name")
    # breadth-first discovery of every commit reachable from the head
    commits, queue, seen = {}, [head], {head}
    while queue:
        oid = queue.pop(0)
        c = git.commit(oid)
        commits[oid] = c
        for p in c["parents"]:
            if p not in seen:
                seen.add(p)
                queue.append(p)
    roots = [oid for oid, c in commits.items() if not c["parents"]]
    if len(roots) != 1:
        raise Damaged("multiple leafs in the entity DAG")
    # parents-first order (Kahn), so every parent is checked before its children
    children = {oid: 0 for oid in commits}
    for c in commits.values():
        for p in c["parents"]:
            children[p] += 1
    order, ready = [], [head]
    while ready:
        oid = ready.pop(0)
        order.append(oid)
        for p in commits[oid]["parents"]:
            children[p] -= 1
            if children[p] == 0:
                ready.append(p)
    order.reverse()
    root = roots[0]

    packs = {}
    for oid in order:
        c = commits[oid]
        pack = read_pack(git, c)
        author = identities.get(pack["author"])
        if author is None or "damaged" in author:
            why = author["damaged"] if author else "not found"
            raise Damaged("author identity %s: %s" % (pack["author"], why))
        if pack["edit"] == 0:
            raise Damaged("lamport edit time is zero")
        is_merge = len(c["parents"]) > 1
        if is_merge and pack["raw_ops"]:
            raise Damaged("merge commit cannot have operations")
        if oid == root and pack["create"] <= 0:
            raise Damaged("creation lamport time not set")
        for p in c["parents"]:
            parent_edit = packs[p]["edit"]
            if parent_edit >= pack["edit"]:
                raise Damaged("lamport clock ordering doesn't match the DAG")
            if not is_merge and pack["edit"] - parent_edit > 1_000_000:
                raise Damaged("lamport clock jumping too far in the future")
        if keys_at(author, pack["edit"]):
            # git-bug verifies the OpenPGP signature here; this reference only
            # checks that there is one
            if not c["signed"]:
                raise Damaged("unsigned commit %s by an identity with signing keys" % oid)
            notes.append("bug %s: signature of %s not verified by the reference" % (bug_id, oid))
        pack["ops"] = [decode_op(raw, value, pack["author"]) for raw, value in pack["raw_ops"]]
        packs[oid] = pack

    problem = upstream_bfs_problem(commits, head)
    if problem:
        notes.append("bug %s: upstream git-bug's reversed-BFS reader would reject it: %s" % (bug_id, problem))

    root_ops = packs[root]["ops"]
    if not root_ops or root_ops[0]["id"] != bug_id:
        raise Damaged("the bug doesn't match its id (first operation of the root commit)")
    if root_ops[0]["type"] != CREATE:
        raise Damaged("first operation should be a create operation")

    # Operation ids are not checked for duplicates: git-bug's read path does
    # not (only Validate does, before a write or a pull), and shows them.
    ordered = sorted(packs.values(), key=lambda p: (p["edit"], p["id"]))
    return [op for p in ordered for op in p["ops"]]


# --------------------------------------------------------------------------
# compiling a snapshot (entities/bug/snapshot.go, op_*.go Apply)

SECONDARY_POSITIONS = [i for i in range(64) if i in (1, 3, 5, 9) or (i >= 10 and i % 5 == 4)]


def combine_ids(primary, secondary):
    """entity.CombineIds: 50 characters of the bug id, 14 of the op id."""
    p, s, out = iter(primary), iter(secondary), []
    for i in range(64):
        out.append(next(s) if i in SECONDARY_POSITIONS else next(p))
    return "".join(out)


def compile_bug(bug_id, ops, identities):
    def person(ident_id):
        return {"id": ident_id, "name": identities[ident_id]["name"]}

    actors, participants = [], []

    def add(lst, who):
        if who not in lst:
            lst.append(who)

    snap = {"title": "", "status": 1, "labels": [], "author": None, "createdAt": None}
    comments = []  # {"op", "author", "createdAt", "message", "edited"}
    timeline = []  # (op id, is comment) for every timeline item

    for op in ops:
        t = op["type"]
        if t == CREATE:
            if op["id"] != bug_id:
                continue  # only the first create applies
            add(actors, op["author"])
            add(participants, op["author"])
            snap["title"] = op["title"]
            comments[:] = [{"op": op["id"], "author": op["author"], "createdAt": op["timestamp"],
                            "message": op["message"], "edited": False}]
            snap["author"] = op["author"]
            snap["createdAt"] = op["timestamp"]
            timeline[:] = [(op["id"], True)]
        elif t == SET_TITLE:
            snap["title"] = op["title"]
            add(actors, op["author"])
            timeline.append((op["id"], False))
        elif t == ADD_COMMENT:
            add(actors, op["author"])
            add(participants, op["author"])
            comments.append({"op": op["id"], "author": op["author"], "createdAt": op["timestamp"],
                             "message": op["message"], "edited": False})
            timeline.append((op["id"], True))
        elif t == SET_STATUS:
            if op["status"] not in (1, 2):
                raise Damaged("unknown status %d" % op["status"])
            snap["status"] = op["status"]
            add(actors, op["author"])
            timeline.append((op["id"], False))
        elif t == LABEL_CHANGE:
            add(actors, op["author"])
            labels = snap["labels"]
            for label in op["added"]:
                if label not in labels:
                    labels.append(label)
            for label in op["removed"]:
                if label in labels:
                    labels.remove(label)
            labels.sort(key=lambda s: s.encode("utf-8", "surrogatepass"))
            timeline.append((op["id"], False))
        elif t == EDIT_COMMENT:
            target = op["target"].encode("utf-8", "surrogatepass")
            if len(target) < 14:
                # CombineIds indexes 14 bytes of the target: git-bug panics
                raise Damaged("edit target %r is too short" % op["target"])
            # git-bug matches CombineIds(bug, target) against the timeline
            # items' combined ids, which hold only the first 14 characters of
            # an op id: the bug part being the same, those 14 bytes decide
            item = next((it for it in timeline if it[0].encode()[:14] == target[:14]), None)
            if item is None or not item[1]:
                continue  # missing target, or not a comment: a no-op
            add(actors, op["author"])
            for c in comments:
                if c["op"] == item[0]:
                    c["message"] = op["message"]
                    c["edited"] = True
                    break
        # NOOP and SET_METADATA change nothing that is shown

    return {
        "id": bug_id,
        "title": snap["title"],
        "status": "open" if snap["status"] == 1 else "closed",
        "labels": list(snap["labels"]),
        "author": person(snap["author"]),
        "createdAt": iso(snap["createdAt"]),
        "editedAt": iso(ops[-1]["timestamp"]),
        "participants": participants,
        "actors": actors,
        "comments": [{
            "id": combine_ids(bug_id, c["op"]),
            "author": person(c["author"]),
            "createdAt": iso(c["createdAt"]),
            "message": c["message"],
            "edited": c["edited"],
        } for c in comments],
    }


# --------------------------------------------------------------------------


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: gitbug_reference.py REPO_GIT_DIR\n")
        return 2
    git = Git(argv[1])
    notes = []
    try:
        identities = {}
        for ident_id, head in git.refs("refs/identities/"):
            try:
                identities[ident_id] = read_identity(git, ident_id, head)
            except Damaged as e:
                identities[ident_id] = {"id": ident_id, "damaged": str(e)}
                notes.append("identity %s is damaged: %s" % (ident_id, e))
        results = []
        for bug_id, head in git.refs("refs/bugs/"):
            try:
                ops = read_bug_ops(git, bug_id, head, identities, notes)
                results.append(compile_bug(bug_id, ops, identities))
            except Damaged as e:
                results.append({"id": bug_id, "damaged": str(e)})
    finally:
        git.close()
    results.sort(key=lambda b: b["id"])
    out = sys.stdout
    for b in results:
        out.write(json.dumps(b, ensure_ascii=False) + "\n")
    for n in notes:
        sys.stderr.write("note: %s\n" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
