// The commands ledgerctl bench sends to POST /v1/events (and writes with --emit).
//
// Every command is valid for the sales domain (schemas/README.md) and unique per run:
// each record id and idempotency key holds the run id and the connection's index, so
// runs against one ledger never collide. A connection's event number `seq` (0, 1, 2, ...)
// always renders to the same bytes, whatever the batch size, so a run can be written out
// ahead (--emit) and a live run with the same run id sends exactly those commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ledgerctl::bench {

enum class Kind {
  kAccount,   // account.registered
  kActivity,  // activity.logged, ~600 bytes
  kMix,       // the life of a deal, kMixCycle events of 17 types (Workload::RenderCommand)
};

std::string_view KindName(Kind kind);

// Events in one deal of the mix: account, contact, calls and visits, the opportunity
// through its stages to won, a product, contract, order, invoice, payment and a ticket.
inline constexpr uint64_t kMixCycle = 20;

// Appends the decimal digits of `n`.
void AppendUint(std::string& out, uint64_t n);

// Stateless and immutable: may be shared by every connection of a run.
class Workload {
 public:
  // `run_id`: letters and digits, at most 12 (so the longest id stays far below the
  // catalogue's 64 bytes).
  Workload(Kind kind, std::string run_id);

  // Appends the command of connection `client`'s event `seq`: one JSON object on one
  // line. In the mix, event `seq` refers only to records created by the connection's
  // earlier events, so a connection that sends its events in order never gets a 404.
  void RenderCommand(unsigned client, uint64_t seq, std::string& out) const;

  // Appends `count` commands, from the client's event `seq` on, as {"events":[...]};
  // returns the bytes of the commands themselves (without the wrapping and commas).
  size_t RenderBody(unsigned client, uint64_t seq, size_t count, std::string& body) const;

 private:
  void Id(std::string& out, std::string_view prefix, unsigned client, uint64_t n,
          std::string_view suffix = "") const;
  void Head(std::string& out, std::string_view type, std::string_view subject_prefix,
            unsigned client, uint64_t seq, uint64_t record, std::string_view suffix = "") const;
  void Mix(unsigned client, uint64_t seq, std::string& out) const;

  void Account(unsigned client, uint64_t seq, uint64_t n, bool varied, std::string& out) const;
  void Contact(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void Opportunity(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void Activity(unsigned client, uint64_t seq, std::string& out) const;
  void FirstCall(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void VisitScheduled(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void VisitCompleted(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void StageChanged(unsigned client, uint64_t seq, uint64_t n, unsigned step,
                    std::string& out) const;
  void Won(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void Product(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void Contract(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void Order(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void OrderStatus(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void Invoice(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void Payment(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void TicketOpened(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void TicketAssigned(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;
  void TicketAction(unsigned client, uint64_t seq, uint64_t n, std::string& out) const;

  const Kind kind_;
  const std::string run_id_;
};

}  // namespace ledgerctl::bench
