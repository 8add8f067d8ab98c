// The C face of GNU source-highlight: builds a language's highlight state once, runs a
// SourceHighlighter over the input a line at a time, and records where each element's text lies.

#include "highlight.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/regex/pattern_except.hpp>
#include <srchilite/formatter.h>
#include <srchilite/formattermanager.h>
#include <srchilite/formatterparams.h>
#include <srchilite/highlightbuilderexception.h>
#include <srchilite/highlightrule.h>
#include <srchilite/highlightstate.h>
#include <srchilite/ioexception.h>
#include <srchilite/langdefmanager.h>
#include <srchilite/parserexception.h>
#include <srchilite/regexrulefactory.h>
#include <srchilite/sourcehighlighter.h>

namespace {

/// A language's start state and every element name its rules can produce.
struct Language {
    srchilite::HighlightStatePtr state;
    std::set<std::string> elements;
};

/// Collects the element names reachable from `state`: the formatter manager only tells a
/// formatter its text, so each element needs a formatter of its own that knows its name.
void collectElements(const srchilite::HighlightStatePtr &state, std::set<unsigned> &seen,
                     std::set<std::string> &elements) {
    if (!state || !seen.insert(state->getId()).second) return;
    elements.insert(state->getDefaultElement());
    for (const srchilite::HighlightRulePtr &rule : state->getRuleList()) {
        for (const std::string &element : rule->getElemList()) elements.insert(element);
        collectElements(rule->getNextState(), seen, elements);
    }
}

/// Languages read so far, by data folder and file. The parser keeps global state, so building
/// is serialised; a built state is only read while highlighting, so it is shared between calls.
std::shared_ptr<const Language> language(const std::string &dataDir, const std::string &langFile) {
    static std::mutex mutex;
    static srchilite::RegexRuleFactory ruleFactory;
    static srchilite::LangDefManager manager(&ruleFactory);
    static std::map<std::string, std::shared_ptr<const Language>> cache;

    std::lock_guard<std::mutex> lock(mutex);
    const std::string key = dataDir + '\0' + langFile;
    auto found = cache.find(key);
    if (found != cache.end()) return found->second;

    auto built = std::make_shared<Language>();
    built->state = manager.buildHighlightState(dataDir, langFile);
    std::set<unsigned> seen;
    collectElements(built->state, seen, built->elements);
    cache.emplace(key, built);
    return built;
}

struct Run {
    size_t start;
    size_t length;
    const std::string *element;
};

/// The runs found so far; adjacent runs of one element are joined, "normal" text is dropped.
struct Recording {
    size_t lineStart = 0;
    std::vector<Run> runs;

    void add(size_t start, size_t length, const std::string &element) {
        if (length == 0 || element == "normal") return;
        if (!runs.empty()) {
            Run &last = runs.back();
            if (*last.element == element && last.start + last.length == start) {
                last.length += length;
                return;
            }
        }
        runs.push_back({start, length, &element});
    }
};

/// Records the text it is given as one element. Needs optimisation off in the highlighter:
/// optimised output joins runs without updating `FormatterParams::start`.
class RecordingFormatter : public srchilite::Formatter {
public:
    /// `element` must outlive the recording: it is one of the language's names.
    RecordingFormatter(const std::string &element, Recording &recording) : element(element), recording(recording) {}

    void format(const std::string &text, const srchilite::FormatterParams *params) override {
        if (params == nullptr || params->start < 0) return;
        recording.add(recording.lineStart + static_cast<size_t>(params->start), text.size(), element);
    }

private:
    const std::string &element;
    Recording &recording;
};

void highlight(const Language &language, const char *code, size_t length, Recording &recording) {
    // Every element of the language has a formatter of its own; the default one is never asked.
    static const std::string normal = "normal";
    srchilite::FormatterManager formatters(srchilite::FormatterPtr(new RecordingFormatter(normal, recording)));
    for (const std::string &element : language.elements) {
        formatters.addFormatter(element, srchilite::FormatterPtr(new RecordingFormatter(element, recording)));
    }

    srchilite::SourceHighlighter highlighter(language.state);
    highlighter.setFormatterManager(&formatters);
    highlighter.setOptimize(false);
    srchilite::FormatterParams params;
    highlighter.setFormatterParams(&params);

    size_t lineStart = 0;
    while (lineStart < length) {
        const void *newline = std::memchr(code + lineStart, '\n', length - lineStart);
        const size_t lineEnd = newline ? static_cast<size_t>(static_cast<const char *>(newline) - code) : length;
        size_t textEnd = lineEnd;
        if (textEnd > lineStart && code[textEnd - 1] == '\r') textEnd--;

        recording.lineStart = lineStart;
        params.start = 0;
        highlighter.highlightParagraph(std::string(code + lineStart, textEnd - lineStart));
        lineStart = lineEnd + 1;
    }
}

void setError(reel_hl_result *result, const std::string &message) {
    std::snprintf(result->error, sizeof result->error, "%s", message.c_str());
}

template <typename Exception> std::string describe(const Exception &error) {
    std::ostringstream text;
    text << error;
    return text.str();
}

} // namespace

extern "C" int reel_hl_highlight(const char *data_dir, const char *lang_file, const char *code, size_t length,
                                 reel_hl_result *result) {
    if (result == nullptr) return -1;
    result->tokens = nullptr;
    result->count = 0;
    result->error[0] = '\0';
    if (data_dir == nullptr || lang_file == nullptr || (code == nullptr && length > 0)) {
        setError(result, "missing argument");
        return -1;
    }

    try {
        std::shared_ptr<const Language> lang = language(data_dir, lang_file);
        Recording recording;
        highlight(*lang, code, length, recording);

        if (!recording.runs.empty()) {
            auto *tokens = static_cast<reel_hl_token *>(std::calloc(recording.runs.size(), sizeof(reel_hl_token)));
            if (tokens == nullptr) throw std::bad_alloc();
            for (size_t i = 0; i < recording.runs.size(); i++) {
                const Run &run = recording.runs[i];
                tokens[i].start = run.start;
                tokens[i].length = run.length;
                std::snprintf(tokens[i].element, sizeof tokens[i].element, "%s", run.element->c_str());
            }
            result->tokens = tokens;
            result->count = recording.runs.size();
        }
        return 0;
    } catch (const srchilite::ParserException &error) {
        setError(result, describe(error));
    } catch (const srchilite::HighlightBuilderException &error) {
        setError(result, describe(error));
    } catch (const srchilite::IOException &error) {
        setError(result, describe(error));
    } catch (const boost::regex_error &error) {
        setError(result, std::string("regular expression: ") + error.what());
    } catch (const std::exception &error) {
        setError(result, error.what());
    } catch (...) {
        setError(result, "unknown error in source-highlight");
    }
    return -1;
}

extern "C" void reel_hl_free(reel_hl_result *result) {
    if (result == nullptr) return;
    std::free(result->tokens);
    result->tokens = nullptr;
    result->count = 0;
}
