// ledgerctl archive, verify-archive, and the registered archives replay reads.
//
// Registered archives are the bundles in <data>/archives/ (*.bundle): the views apply
// their records (projections/archive_model.h) and replay reads their ranges, so a log
// pruned below their cuts still rebuilds completely. Main thread only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ledger/archive.h"
#include "ledger/keys.h"

namespace ledgerctl {

inline constexpr std::string_view kBundleExtension = ".bundle";

std::filesystem::path ArchivesDir(const std::filesystem::path& data);

struct LoadedArchive {
  std::filesystem::path file;
  ledger::VerifiedArchive archive;
};

// Reads and verifies (against `keys`) each bundle of `files`, in order. kCorruption
// naming the file for one that does not verify.
ledger::Result<std::vector<LoadedArchive>> LoadArchives(
    const std::vector<std::filesystem::path>& files, const ledger::Keyring& keys);
// The registered bundles, by name; none when <data>/archives does not exist.
ledger::Result<std::vector<std::filesystem::path>> RegisteredArchives(
    const std::filesystem::path& data);

int RunArchive(const std::vector<std::string>& args);
int RunVerifyArchive(const std::vector<std::string>& args);

}  // namespace ledgerctl
