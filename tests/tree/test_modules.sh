#!/bin/bash
# tests/tree/test_modules.sh: the include graph (tests/tree/modules.py).
exec "${PYTHON:-/usr/bin/python3}" "$(dirname "$0")/modules.py"
