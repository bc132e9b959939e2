#!/usr/bin/python3
"""Zip a directory the way AWS Lambda unpacks it: regular files and
directories only, Unix modes kept (bootstrap must stay executable), names
sorted, one timestamp (SOURCE_DATE_EPOCH) so the zip is reproducible.

    mkzip.py DIR OUT.zip EPOCH
"""
import os
import stat
import sys
import time
import zipfile


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    top, out, epoch = argv[1], argv[2], int(argv[3])
    # zip cannot hold dates before 1980.
    stamp = time.gmtime(max(epoch, 315532800))[:6]
    entries = []
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(dirs) + sorted(files):
            entries.append(os.path.join(d, name))
    tmp = out + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in sorted(entries, key=lambda p: os.path.relpath(p, top)):
            st = os.lstat(path)
            rel = os.path.relpath(path, top)
            if stat.S_ISLNK(st.st_mode):
                raise SystemExit("mkzip: %s is a symlink: Lambda zips hold files" % rel)
            info = zipfile.ZipInfo(rel + ("/" if stat.S_ISDIR(st.st_mode) else ""), stamp)
            info.create_system = 3  # Unix: external_attr holds the mode
            info.external_attr = (st.st_mode & 0xFFFF) << 16
            if stat.S_ISDIR(st.st_mode):
                z.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as f:
                    z.writestr(info, f.read())
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
