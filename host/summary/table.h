// Plain-text and Markdown tables, and the number formats every command shares.
#pragma once

#include <string>
#include <vector>

namespace sfb::harness {

enum class alignment { left, right };
enum class cell_style { plain, bad, good, dim, bold };

struct table_cell {
    std::string text;
    cell_style style = cell_style::plain;
    table_cell() = default;
    table_cell(std::string t, cell_style s = cell_style::plain)
        : text(std::move(t)), style(s) {}                                               // NOLINT
    table_cell(const char* t, cell_style s = cell_style::plain) : text(t), style(s) {}  // NOLINT
};

class text_table {
  public:
    struct column_spec {
        std::string header;
        alignment align = alignment::left;
    };
    explicit text_table(std::vector<column_spec> columns) : columns_(std::move(columns)) {}

    void add_row(std::vector<table_cell> row);
    bool empty() const { return rows_.empty(); }

    // Columns padded with spaces; with colour, styles become ANSI escape sequences.
    std::string text(bool colour) const;
    // A GitHub-flavoured Markdown table; styles become bold text.
    std::string markdown() const;

  private:
    std::vector<column_spec> columns_;
    std::vector<std::vector<table_cell>> rows_;
};

// "1234", "12.3", "1.23", "0.0123": about four significant digits without exponents.
std::string format_number(double value);
// A signed percentage, "+5.4%" / "-0.3%"; "n/a" when not finite.
std::string format_percent(double fraction);
// p-values: "0.0012", "<0.0001".
std::string format_p_value(double p);

}  // namespace sfb::harness
