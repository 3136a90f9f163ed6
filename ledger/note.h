// C2SP signed notes (c2sp.org/signed-note) and tlog checkpoints (c2sp.org/tlog-checkpoint),
// the formats the ledger's signed tree heads are published in, so that any transparency
// log client (Go's golang.org/x/mod/sumdb/note, witnesses, monitors) checks them.
//
// A signed note: the text (UTF-8, ends in a newline, no empty line), an empty line, then
// one line per signature: "— <key name> <base64(4-byte key ID || Ed25519 signature)>",
// the signature being over the text bytes exactly. A checkpoint is a note whose text
// is "<origin>\n<tree size, decimal>\n<base64 root hash>\n" and optional extension lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/keys.h"
#include "ledger/status.h"

namespace ledger {

// The note `text` signed by `key`. kInvalidArgument unless the text ends in a newline
// and has no empty line.
Result<std::string> SignNote(std::string_view text, const SigningKey& key);

struct OpenedNote {
  std::string text;
  std::vector<std::string> signers;  // names of the trusted keys whose signatures verified
  std::vector<KeyId> signer_ids;     // and their key IDs, in the same order
};

// Checks a signed note: well formed; every signature line parses; a signature by a key
// in `trusted` (same name and key ID) must verify, and at least one must. Signatures by
// other keys are ignored (as the spec allows). kCorruption names what is wrong;
// kNotFound when no signature is by a trusted key.
Result<OpenedNote> OpenNote(std::string_view note, const Keyring& trusted);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // further lines, without their newlines
};

std::string CheckpointText(const Checkpoint& checkpoint);
// OpenNote, then ParseCheckpoint of its text: a checkpoint signed by a trusted key.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const Keyring& trusted);
// Parses a checkpoint's text (not the signatures). kCorruption naming the bad line.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

}  // namespace ledger
