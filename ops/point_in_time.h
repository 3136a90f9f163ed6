// A data dir for a point-in-time copy (ledgerctl replay --until T --into NEWDIR): a
// consistent copy of the embedded log (a RocksDB checkpoint: SST files hard-linked when
// on the same file system), the verifier keys and the tokens file. The caller then
// replays views pinned at T into NEWDIR/views, and `ledgerd --read-only --data NEWDIR`
// serves it: no signing key is copied, so the copy can never be appended to.
#pragma once

#include <filesystem>

#include "ledger/status.h"

namespace ops {

// Makes `into` (which must not exist or be empty) hold a copy of `data`'s log as it is
// now, `keys/ledger.vkeys` and `tokens.json`. While a ledgerd holds the log, it is
// copied entry by entry from a read-only view of it (as of the call) instead.
ledger::Status CopyForPointInTime(const std::filesystem::path& data,
                                  const std::filesystem::path& into);

}  // namespace ops
