// LeakSanitizer's default suppressions for the sanitizer build of intaked and
// intakectl (linked only when INTAKE_SANITIZE is on). It trusts nothing of
// ours: it names one leak of a library we cannot patch, and only that one.
//
// libpqxx 6.4 (Debian 12's) leaks the PGresult of a statement that the network
// cut: connection_base::exec_params() and its siblings hand the result of
// PQexecParams() to make_result(), which evaluates encoding_id() before it takes
// ownership, and on a broken connection encoding_id() throws broken_connection,
// so the result is never PQclear()ed (about 2 KB, once per connection lost in
// the middle of a statement; later libpqxx takes ownership first). A leaked
// PGresult can come from no other path: intake never calls libpq itself, and a
// pqxx::result we leaked would be reported through its own allocation.
//
// Hand-written: the sanitizer runtime reads this hook, declared in its own
// header, at start; a suppressions file would have to be named in
// LSAN_OPTIONS by every caller.
#include <sanitizer/lsan_interface.h>

extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:PQmakeEmptyPGresult\n";
}
