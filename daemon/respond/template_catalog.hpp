// Which mails intake sends and which variables each template may use: the one
// list that the loader checks templates against (a misspelt {{variable}} is
// an error at start, not an empty gap in a mail) and templates/README.md
// documents.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace intake::daemon {

// Template name -> the variables its three variants may use.
const std::map<std::string, std::set<std::string>>& template_variables();
// Every template name intake needs.
std::vector<std::string> required_template_names();

}  // namespace intake::daemon
