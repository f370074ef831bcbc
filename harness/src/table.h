// Plain-text and Markdown tables, and the number formats every command shares.
#pragma once

#include <string>
#include <vector>

namespace sfb::harness {

enum class Align { left, right };
enum class Style { plain, bad, good, dim, bold };

struct Cell {
    std::string text;
    Style style = Style::plain;
    Cell() = default;
    Cell(std::string t, Style s = Style::plain) : text(std::move(t)), style(s) {}  // NOLINT
    Cell(const char* t, Style s = Style::plain) : text(t), style(s) {}             // NOLINT
};

class Table {
  public:
    struct Column {
        std::string header;
        Align align = Align::left;
    };
    explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

    void add_row(std::vector<Cell> row);
    bool empty() const { return rows_.empty(); }

    // Columns padded with spaces; with colour, styles become ANSI escape sequences.
    std::string text(bool colour) const;
    // A GitHub-flavoured Markdown table; styles become bold text.
    std::string markdown() const;

  private:
    std::vector<Column> columns_;
    std::vector<std::vector<Cell>> rows_;
};

// "1234", "12.3", "1.23", "0.0123": about four significant digits without exponents.
std::string format_number(double value);
// A signed percentage, "+5.4%" / "-0.3%"; "n/a" when not finite.
std::string format_percent(double fraction);
// p-values: "0.0012", "<0.0001".
std::string format_p_value(double p);

}  // namespace sfb::harness
