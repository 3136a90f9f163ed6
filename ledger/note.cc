#include "ledger/note.h"

#include <charconv>
#include <cstring>

namespace ledger {
namespace {

constexpr std::string_view kDash = "\xE2\x80\x94 ";  // U+2014 EM DASH and a space
constexpr size_t kSignaturesMax = 100;               // as Go's note package allows

Status CheckText(std::string_view text) {
  if (text.empty() || text.back() != '\n')
    return Status::Invalid("a note's text must end in a newline");
  if (text.find("\n\n") != std::string_view::npos || text.front() == '\n')
    return Status::Invalid("a note's text must not contain an empty line");
  return Status::Ok();
}

}  // namespace

Result<std::string> SignNote(std::string_view text, const SigningKey& key) {
  if (Status s = CheckText(text); !s.ok()) return s;
  const Signature sig = key.Sign(text);
  std::string blob(4 + sig.size(), '\0');
  const KeyId id = key.public_key().id;
  for (int i = 0; i < 4; ++i) blob[i] = static_cast<char>(id >> (24 - 8 * i));
  std::memcpy(blob.data() + 4, sig.data(), sig.size());
  std::string out(text);
  out += "\n";
  out += kDash;
  out += key.public_key().name + " " + Base64(blob) + "\n";
  return out;
}

Result<OpenedNote> OpenNote(std::string_view note, const Keyring& trusted) {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos)
    return Status::Corruption("a signed note needs an empty line before its signatures");
  OpenedNote out;
  out.text.assign(note.substr(0, split + 1));
  if (Status s = CheckText(out.text); !s.ok()) return Status::Corruption(s.message());
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n')
    return Status::Corruption("a signed note must end in a newline");
  size_t lines = 0;
  bool any_trusted = false;
  while (!sigs.empty()) {
    const size_t eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (++lines > kSignaturesMax)
      return Status::Corruption("a signed note has too many signatures");
    const std::string where = "signature line " + std::to_string(lines);
    if (!line.starts_with(kDash)) return Status::Corruption(where + " must start with an em dash");
    line.remove_prefix(kDash.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos)
      return Status::Corruption(where + " needs a key name and a signature");
    const std::string_view name = line.substr(0, space);
    auto blob = FromBase64(line.substr(space + 1));
    if (!ValidKeyName(name) || !blob || blob->size() < 5)
      return Status::Corruption(where + " is malformed");
    KeyId id = 0;
    for (int i = 0; i < 4; ++i) id = (id << 8) | static_cast<uint8_t>((*blob)[i]);
    const PublicKey* key = trusted.Find(id);
    if (key == nullptr || key->name != name) continue;  // someone else's signature
    Signature sig{};
    if (blob->size() != 4 + sig.size())
      return Status::Corruption(where + ": an Ed25519 signature is 64 bytes");
    std::memcpy(sig.data(), blob->data() + 4, sig.size());
    if (!key->Verify(std::string_view(out.text), sig))
      return Status::Corruption(where + ": the signature of " + std::string(name) +
                                " does not verify");
    out.signers.emplace_back(name);
    out.signer_ids.push_back(id);
    any_trusted = true;
  }
  if (!any_trusted) return Status::NotFound("the note has no signature by a trusted key");
  return out;
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const Keyring& trusted) {
  auto opened = OpenNote(note, trusted);
  if (!opened.ok()) return opened.status();
  return ParseCheckpoint(opened->text);
}

std::string CheckpointText(const Checkpoint& c) {
  std::string out = c.origin + "\n" + std::to_string(c.size) + "\n" +
                    Base64(std::span<const uint8_t>(c.root)) + "\n";
  for (const std::string& e : c.extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (Status s = CheckText(text); !s.ok()) return Status::Corruption("checkpoint: " + s.message());
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    lines.push_back(text.substr(0, eol));
    text.remove_prefix(eol + 1);
  }
  if (lines.size() < 3)
    return Status::Corruption("checkpoint: needs origin, size and root hash lines");
  Checkpoint c;
  c.origin.assign(lines[0]);
  const std::string_view size = lines[1];
  auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size);
  if (ec != std::errc() || ptr != size.data() + size.size() || (size.size() > 1 && size[0] == '0'))
    return Status::Corruption("checkpoint line 2: the tree size must be a decimal number");
  auto root = FromBase64(lines[2]);
  if (!root || root->size() != c.root.size())
    return Status::Corruption("checkpoint line 3: the root hash must be base64 of 32 bytes");
  std::memcpy(c.root.data(), root->data(), c.root.size());
  for (size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

}  // namespace ledger
