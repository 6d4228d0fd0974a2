#!/usr/bin/python3
"""DNSSEC lab: builds a private signed DNS tree with fresh keys, serves it
from its own knotd on 127.0.0.1:<free port>, runs a command, stops knotd by
PID.

  lab.py -- CMD [ARGS...]

The tree (TLD "example.", which libunbound does not answer itself as it
does "test."):

  .                  private root, signed (the trust anchor)
  example.           signed; delegates the children below
  good.example       signed, DS in example.            -> secure
  sub.good.example   name in good.example (SOA walk)   -> secure
  dnssec.example     signed; api, api2 A 127.0.0.2     -> secure (provider)
  unsigned.example   unsigned, no DS                   -> insecure
  wrongds.example    signed; parent DS has a zero digest       -> bogus
  nosig.example      parent has a DS; served unsigned          -> bogus
  expired.example    signed 30 days ago, 14-day signatures     -> bogus
  tampered.example   signed, then its TXT edited (api2...)     -> bogus
  stripped.example   signed, then the TXT's RRSIG removed      -> bogus

Every zone but dnssec.example has _domainconnect TXT "api.dnssec.example".
Keys are made by keymgr before knotd starts (so that DS records go into the
parent files); the expired, tampered and stripped zones are signed offline
by kzonesign (knot-dnssecutils) and served with signing off.

A second knotd serves the same zone files unsigned: an upstream that strips
DNSSEC records.

With DC_LAB_POPULATION=N (bench/dnssec_bench.sh) the tree also holds N
signed zones p00000.example ... (knotd makes their keys; their DS records are
computed from the served DNSKEYs and example. is reloaded with them), each
with the same TXT, and DC_LAB_POPULATION_FILE lists their names.

Environment for CMD:
  DC_LAB_DNS         127.0.0.1:PORT of the signed tree
  DC_LAB_STRIP_DNS   127.0.0.1:PORT of the stripping server
  DC_LAB_ANCHOR      file with the private root's DS (the trust anchor)
  DC_LAB_DIR         the lab's directory
Exit status: CMD's; 77 when knotd, keymgr or kzonesign is missing.
"""
import base64
import hashlib
import os
import struct
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "support"))
import dcservers  # noqa: E402

TXT = '_domainconnect 300 IN TXT "api.dnssec.example"\n'
SIGNED = ["good", "dnssec", "wrongds"]
PRESIGNED = ["expired", "tampered", "stripped"]
UNSIGNED = ["unsigned", "nosig"]
CHILDREN = SIGNED + PRESIGNED + UNSIGNED


def soa(origin):
    return ("$ORIGIN %s\n$TTL 300\n@ IN SOA ns.example. hostmaster.example. 1 3600 600 "
            "86400 300\n@ IN NS ns.example.\n" % origin)


def conf_text(d, port, signing_presigned, sign=True):
    pol = ("policy:\n  - id: csk\n    algorithm: ecdsap256sha256\n"
           "    single-type-signing: on\n    nsec3: off\n    dnskey-ttl: 300\n"
           "    zone-max-ttl: 300\n    rrsig-lifetime: 14d\n    rrsig-refresh: 7d\n"
           "    ksk-lifetime: 0\n    zsk-lifetime: 0\n")
    t = ("server:\n    listen: 127.0.0.1@%d\n    rundir: %s/run\n"
         "log:\n  - target: stderr\n    any: warning\n"
         "database:\n    storage: %s/db\n%s"
         "template:\n  - id: default\n    storage: %s/zones\n    file: \"%%s.zone\"\n"
         "    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n"
         "    dnssec-signing: %s\n    dnssec-policy: csk\n"
         "  - id: presigned\n    storage: %s/zones\n    file: \"%%s.signed\"\n"
         "    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n"
         "    dnssec-signing: %s\n    dnssec-policy: csk\n"
         "zone:\n  - domain: .\n    file: root.zone\n  - domain: example.\n"
         % (port, d, d, pol, d, "on" if sign else "off", d,
            "on" if signing_presigned else "off"))
    for z in CHILDREN:
        t += "  - domain: %s.example.\n" % z
        if z in UNSIGNED:
            t += "    dnssec-signing: off\n"
        if z in PRESIGNED and sign:
            t += "    template: presigned\n"
    return t


def km(conf, *args):
    r = subprocess.run(["keymgr", "-c", conf] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, check=True)
    return r.stdout


def ds_line(conf, zone):
    """The digest-type-2 DS of zone's key, as keymgr prints it."""
    for line in km(conf, zone, "ds").splitlines():
        f = line.split()
        if "DS" in f and f[f.index("DS") + 3] == "2":
            return line.strip()
    raise RuntimeError("no DS for " + zone)


def keygen(conf, zone, when=None):
    args = [zone, "generate", "algorithm=ecdsap256sha256", "ksk=yes", "zsk=yes"]
    if when is not None:
        args += ["publish=%d" % when, "ready=%d" % when, "active=%d" % when]
    return km(conf, *args).strip().split()[-1]


def write_zones(d, conf):
    zd = os.path.join(d, "zones")
    now = int(time.time())
    past = now - 30 * 86400
    for z in SIGNED + PRESIGNED:
        keygen(conf, z + ".example.", past - 86400 if z == "expired" else None)
    keygen(conf, "example.")
    keygen(conf, ".")
    keygen(conf, "spare.")  # its DS is given to nosig.example, which is unsigned
    parent = soa("example.") + "ns 300 IN A 127.0.0.1\n"
    for z in CHILDREN:
        parent += "%s 300 IN NS ns.example.\n" % z
        if z in SIGNED + PRESIGNED:
            ds = ds_line(conf, z + ".example.").split()
            if z == "wrongds":
                ds[-1] = "0" * 64
            parent += "%s.example. 300 IN DS %s\n" % (z, " ".join(ds[ds.index("DS") + 1:]))
        elif z == "nosig":
            ds = ds_line(conf, "spare.").split()
            parent += "nosig.example. 300 IN DS %s\n" % " ".join(ds[ds.index("DS") + 1:])
    with open(os.path.join(zd, "example.zone"), "w") as f:
        f.write(parent)
    ds = ds_line(conf, "example.").split()
    with open(os.path.join(zd, "root.zone"), "w") as f:
        f.write(soa(".") + "example. 300 IN NS ns.example.\n"
                "example. 300 IN DS %s\nns.example. 300 IN A 127.0.0.1\n"
                % " ".join(ds[ds.index("DS") + 1:]))
    for z in CHILDREN:
        body = soa(z + ".example.")
        if z == "dnssec":
            body += "api 300 IN A 127.0.0.2\napi2 300 IN A 127.0.0.2\n"
        else:
            body += TXT + "www 300 IN A 127.0.0.9\n"
        if z == "good":
            body += "sub 300 IN A 127.0.0.9\n"
        with open(os.path.join(zd, z + ".example.zone"), "w") as f:
            f.write(body)
    with open(os.path.join(d, "anchor.ds"), "w") as f:
        f.write("; the lab's private root\n" + ds_line(conf, ".") + "\n")
    return past


def presign(d, past):
    """kzonesign the presigned zones, then damage them."""
    sconf = os.path.join(d, "signer.conf")
    with open(sconf, "w") as f:
        f.write(conf_text(d, 1, True))
    zd = os.path.join(d, "zones")
    for z in PRESIGNED:
        name = z + ".example."
        shutil.copy(os.path.join(zd, name[:-1] + ".zone"), os.path.join(zd, name + "signed"))
        args = ["kzonesign", "-c", sconf, "-o", os.path.join(d, "signed")]
        if z == "expired":
            args += ["-t", str(past)]
        os.makedirs(os.path.join(d, "signed"), exist_ok=True)
        subprocess.run(args + [name], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        src = os.path.join(d, "signed", name + "signed")  # the template's file name
        lines = open(src).read().splitlines(True)
        out = []
        for line in lines:
            f = line.split()
            if z == "tampered" and "TXT" in f and "RRSIG" not in f:
                line = line.replace("api.dnssec.example", "api2.dnssec.example")
            if z == "stripped" and "RRSIG" in f and f[f.index("RRSIG") + 1] == "TXT":
                continue
            out.append(line)
        with open(os.path.join(zd, name[:-1] + ".signed"), "w") as f:
            f.writelines(out)  # replaces the unsigned copy kzonesign read


def start(d, procs, conf, name, port):
    log = os.path.join(d, name + ".log")
    proc = procs.start(["knotd", "-c", conf], log)
    deadline = time.monotonic() + 10
    while True:
        if proc.poll() is not None:
            raise RuntimeError("knotd exited %d: see %s" % (proc.returncode, log))
        r = subprocess.run(["kdig", "-p", str(port), "@127.0.0.1", "+tcp", "+short",
                            "+timeout=1", "+retry=0", "good.example.", "SOA"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if r.returncode == 0 and r.stdout.strip():
            return
        if time.monotonic() > deadline:
            raise RuntimeError("knotd not ready: see " + log)
        time.sleep(0.05)


def _keytag(rdata):
    acc = 0
    for i, b in enumerate(rdata):
        acc += b if i & 1 else b << 8
    return (acc + (acc >> 16)) & 0xFFFF


def _ds(owner, flags, proto, alg, key_b64):
    wire = b"".join(bytes([len(x)]) + x.encode() for x in owner.lower().split(".") if x)
    rdata = struct.pack("!HBB", flags, proto, alg) + base64.b64decode(key_b64)
    digest = hashlib.sha256(wire + b"\0" + rdata).hexdigest()
    return "%s 300 IN DS %d %d 2 %s" % (owner, _keytag(rdata), alg, digest)


def add_population(d, conf, port, n):
    """n more signed zones under example.; returns the file of their names."""
    names = ["p%05d.example" % i for i in range(n)]
    zd = os.path.join(d, "zones")
    with open(conf, "a") as f:
        for z in names:
            f.write("  - domain: %s.\n" % z)
    for z in names:
        with open(os.path.join(zd, z + ".zone"), "w") as f:
            f.write(soa(z + ".") + TXT)
    subprocess.run(["knotc", "-c", conf, "reload"], check=True, stdout=subprocess.DEVNULL)
    ds = {}
    deadline = time.monotonic() + 120
    while len(ds) < n:
        if time.monotonic() > deadline:
            raise RuntimeError("population zones not signed in time")
        todo = [z for z in names if z not in ds]
        for i in range(0, len(todo), 200):
            args = ["kdig", "-p", str(port), "@127.0.0.1", "+tcp", "+noall", "+answer"]
            for z in todo[i:i + 200]:
                args += [z + ".", "DNSKEY"]
            out = subprocess.run(args, stdout=subprocess.PIPE, text=True).stdout
            for line in out.splitlines():
                f = line.split()
                if len(f) >= 8 and f[3] == "DNSKEY" and f[4] == "257":
                    ds[f[0].rstrip(".")] = _ds(f[0], 257, int(f[5]), int(f[6]), "".join(f[7:]))
        time.sleep(0.2)
    with open(os.path.join(zd, "example.zone"), "a") as f:
        for z in names:
            f.write("%s. 300 IN NS ns.example.\n%s\n" % (z, ds[z]))
    subprocess.run(["knotc", "-c", conf, "zone-reload", "example."], check=True,
                   stdout=subprocess.DEVNULL)
    path = os.path.join(d, "population.txt")
    with open(path, "w") as f:
        f.write("\n".join(names) + "\n")
    # ready when the last delegation is served with its DS
    for _ in range(200):
        out = subprocess.run(["kdig", "-p", str(port), "@127.0.0.1", "+short", names[-1] + ".",
                              "DS"], stdout=subprocess.PIPE, text=True).stdout
        if out.strip():
            return path
        time.sleep(0.1)
    raise RuntimeError("example. not reloaded with the population's DS records")


def build_and_run(d, procs, cmd):
    for sub in ("run", "db", "zones", "strip/run", "strip/db"):
        os.makedirs(os.path.join(d, sub))
    port = dcservers.free_port()
    conf = os.path.join(d, "knot.conf")
    with open(conf, "w") as f:
        f.write(conf_text(d, port, False))
    past = write_zones(d, conf)
    presign(d, past)
    start(d, procs, conf, "knotd", port)
    # the stripping upstream: the same files, nothing signed, no keys
    sport = dcservers.free_port()
    sd = os.path.join(d, "strip")
    sconf = os.path.join(sd, "knot.conf")
    with open(sconf, "w") as f:
        f.write(conf_text(sd, sport, False, sign=False).replace(
            "%s/zones" % sd, "%s/zones" % d))
    start(sd, procs, sconf, "knotd", sport)
    pop = int(os.environ.get("DC_LAB_POPULATION", "0"))
    if pop > 0:
        os.environ["DC_LAB_POPULATION_FILE"] = add_population(d, conf, port, pop)
    env = dict(os.environ, DC_LAB_DNS="127.0.0.1:%d" % port,
               DC_LAB_STRIP_DNS="127.0.0.1:%d" % sport,
               DC_LAB_ANCHOR=os.path.join(d, "anchor.ds"), DC_LAB_DIR=d)
    return subprocess.call(cmd, env=env)


def main(argv):
    if "--" not in argv or not argv[argv.index("--") + 1:]:
        print("usage: lab.py -- CMD [ARGS...]", file=sys.stderr)
        return 2
    cmd = argv[argv.index("--") + 1:]
    for tool in ("knotd", "keymgr", "kzonesign", "kdig"):
        if shutil.which(tool) is None:
            print("lab.py: %s not found (knot, knot-dnssecutils, knot-dnsutils)" % tool,
                  file=sys.stderr)
            return 77
    dcservers.exit_on_sigterm()
    with dcservers.state_dir("lab.py", "dc-dnssec-lab-") as d:
        try:
            with dcservers.Processes() as procs:
                return build_and_run(d, procs, cmd)
        except Exception as e:  # servers already stopped by PID
            print("lab.py: %s" % e, file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
