// intakectl's reply-tally commands (tally top, tally show, kudos, import),
// kept out of intakectl_main.cpp so the main stays a list of subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

namespace intake::daemon {

struct TallyCommands;  // the subcommands and their options

// Adds the subcommands to `app`; the result must outlive parsing.
std::shared_ptr<TallyCommands> add_tally_commands(CLI::App& app);
// The exit code of the tally command given, nullopt when none was.
std::optional<int> run_tally_commands(const TallyCommands& commands, const std::string& config_path);

}  // namespace intake::daemon
