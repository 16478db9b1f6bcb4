#include "daemon/fetch/round_source.hpp"

#include <algorithm>

namespace intake::daemon {

RoundSource::RoundSource(MailboxSource& inner, std::size_t per_round, std::function<void()> heartbeat,
                         std::function<void()> on_login)
    : inner_(inner), per_round_(per_round), heartbeat_(std::move(heartbeat)), on_login_(std::move(on_login)) {}

Result<FolderStatus> RoundSource::status() {
  beat();
  auto r = inner_.status();
  if (r) {
    // A new UIDVALIDITY makes the UIDs already listed meaningless.
    if (r->uidvalidity != uidvalidity_) pending_.reset();
    uidvalidity_ = r->uidvalidity;
    if (on_login_) on_login_();
  }
  return r;
}

Result<std::vector<std::uint64_t>> RoundSource::search_uids(std::uint64_t first, std::uint64_t last, bool unseen_only) {
  beat();
  if (last != 0 || per_round_ == 0) return inner_.search_uids(first, last, unseen_only);
  if (!pending_ || pending_unseen_only_ != unseen_only) {
    auto r = inner_.search_uids(first, 0, unseen_only);
    if (!r) return r;
    pending_ = std::move(r.value());
    pending_unseen_only_ = unseen_only;
  }
  std::vector<std::uint64_t> round;
  auto from = std::lower_bound(pending_->begin(), pending_->end(), first);
  const auto available = static_cast<std::size_t>(pending_->end() - from);
  more_ = available > per_round_;
  round.assign(from, from + static_cast<std::ptrdiff_t>(std::min(available, per_round_)));
  if (!more_) pending_.reset();  // the next cycle asks the server again
  return round;
}

Result<std::string> RoundSource::fetch(std::uint64_t uid) {
  beat();
  return inner_.fetch(uid);
}

Result<std::string> RoundSource::fetch_header(std::uint64_t uid) {
  beat();
  return inner_.fetch_header(uid);
}

Result<std::uint64_t> RoundSource::size_of(std::uint64_t uid) {
  beat();
  return inner_.size_of(uid);
}

Status RoundSource::mark_processed(const std::vector<std::uint64_t>& uids) {
  beat();
  return inner_.mark_processed(uids);
}

}  // namespace intake::daemon
