#include "projections/replay.h"

#include <boost/json.hpp>
#include <system_error>

namespace projections {
using ledger::Result;
using ledger::Status;
namespace json = boost::json;

std::string EncodePin(const Pin& pin) {
  json::object o;
  if (pin.until) o["until"] = ledger::FormatRfc3339(*pin.until);
  if (!pin.stop_at.empty()) {
    json::array a;
    for (uint64_t n : pin.stop_at) a.push_back(n);
    o["stop_at"] = std::move(a);
  }
  return json::serialize(o);
}

Result<Pin> DecodePin(std::string_view text) {
  auto bad = [&] {
    return Status::Corruption("the views' pin is not valid: " + std::string(text));
  };
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return bad();
  Pin pin;
  for (const auto& [key, value] : v.as_object()) {
    if (key == "until" && value.is_string()) {
      pin.until = ledger::ParseRfc3339(value.as_string());
      if (!pin.until) return bad();
    } else if (key == "stop_at" && value.is_array()) {
      for (const auto& n : value.as_array()) {
        if (!n.is_int64() && !n.is_uint64()) return bad();
        if (n.is_int64() && n.as_int64() < 0) return bad();
        pin.stop_at.push_back(n.to_number<uint64_t>());
      }
    } else {
      return bad();
    }
  }
  return pin;
}

Result<std::optional<Pin>> ReadPin(const ViewStore& store) {
  auto text = store.GetMeta(kPinMetaKey);
  if (!text.ok()) return text.status();
  if (!*text) return std::optional<Pin>();
  auto pin = DecodePin(**text);
  if (!pin.ok()) return pin.status();
  if (!pin->stop_at.empty() && pin->stop_at.size() != store.partitions()) {
    return Status::Corruption("the views' pin names " + std::to_string(pin->stop_at.size()) +
                              " partitions, the views have " + std::to_string(store.partitions()));
  }
  return std::optional<Pin>(std::move(*pin));
}

RunnerOptions PinnedRunnerOptions(RunnerOptions options, const Pin& pin) {
  options.limits.until = pin.until;
  options.stop_at = pin.stop_at;
  return options;
}

Result<ReplayReport> Replay(const std::filesystem::path& views_dir, const ledger::EventLog& log,
                            const ledger::Keyring& keys, const Models& models,
                            const ReplayOptions& options) {
  std::error_code ec;
  std::filesystem::remove_all(views_dir, ec);
  if (ec) return Status::IoError("cannot delete " + views_dir.string() + ": " + ec.message());
  auto store = ViewStore::Open(views_dir, log.partitions());
  if (!store.ok()) return store.status();
  (*store)->SkipWriteAheadLog();  // nothing reads these views before the Flush below
  const Pin pin{options.until, options.stop_at};
  if (!pin.stop_at.empty() && pin.stop_at.size() != log.partitions()) {
    return Status::Invalid("stop_at names " + std::to_string(pin.stop_at.size()) +
                           " partitions; the log has " + std::to_string(log.partitions()));
  }
  if (pin.any()) {
    if (Status s = (*store)->PutMeta(kPinMetaKey, EncodePin(pin)); !s.ok()) return s;
  }
  const RunnerOptions runner_options = PinnedRunnerOptions(options.runner, pin);
  ReplayReport report;
  {
    Runner runner(**store, log, keys, models, runner_options);
    if (Status s = runner.RunToEnd(); !s.ok()) return s;
    for (uint32_t p = 0; p < log.partitions(); ++p) {
      report.positions.push_back(runner.Applied(p));
      report.events += runner.Applied(p);
    }
  }
  if (Status s = (*store)->Flush(); !s.ok()) return s;
  auto digest = (*store)->Digest();
  if (!digest.ok()) return digest.status();
  report.digest = std::move(*digest);
  return report;
}

}  // namespace projections
