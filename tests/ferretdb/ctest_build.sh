#!/usr/bin/env bash
# The CTest test `ferretdb_build` (setup of the fixture `ferretdb`):
#
#   tests/ferretdb/ctest_build.sh CACHE_DIR
#
# Builds the FerretDB test server into CACHE_DIR with build.sh (at once when it is cached), unless
# MESSENGER_TEST_MONGO_URI is set: then the MongoDB tests use that server and FerretDB is not
# needed. A failed build fails this test, and CTest then runs none of the MongoDB tests (each is
# reported as not run, which fails the run).
set -euo pipefail

if [[ -n "${MESSENGER_TEST_MONGO_URI:-}" ]]; then
    echo "MESSENGER_TEST_MONGO_URI is set: the MongoDB tests use that server; FerretDB is not built"
    exit 0
fi

exec "$(dirname "${BASH_SOURCE[0]}")/build.sh" "$@"
