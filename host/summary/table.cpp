#include "table.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

namespace sfb::harness {

namespace {

const char* escape_for(cell_style style) {
    switch (style) {
        case cell_style::bad:
            return "\033[1;31m";
        case cell_style::good:
            return "\033[32m";
        case cell_style::dim:
            return "\033[2m";
        case cell_style::bold:
            return "\033[1m";
        case cell_style::plain:
            break;
    }
    return "";
}

std::string markdown_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\n' || c == '\r') {
            out += ' ';  // a line break would end the table row
            continue;
        }
        if (c == '|') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

}  // namespace

void text_table::add_row(std::vector<table_cell> row) {
    row.resize(columns_.size());
    rows_.push_back(std::move(row));
}

std::string text_table::text(bool colour) const {
    std::vector<std::size_t> widths;
    for (const auto& column : columns_) {
        widths.push_back(column.header.size());
    }
    for (const auto& row : rows_) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].text.size());
        }
    }
    auto line = [&](const std::vector<table_cell>& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const bool last = i + 1 == cells.size();
            const std::size_t pad = widths[i] - cells[i].text.size();
            std::string body = cells[i].text;
            if (colour && cells[i].style != cell_style::plain) {
                body = fmt::format("{}{}\033[0m", escape_for(cells[i].style), body);
            }
            if (columns_[i].align == alignment::right) {
                out += std::string(pad, ' ') + body;
            } else {
                out += body;
                if (!last) {
                    out += std::string(pad, ' ');
                }
            }
            if (!last) {
                out += "  ";
            }
        }
        return out + "\n";
    };
    std::vector<table_cell> header;
    for (const auto& column : columns_) {
        header.emplace_back(column.header, cell_style::bold);
    }
    std::string out = line(header);
    std::size_t total = 0;
    for (std::size_t w : widths) {
        total += w + 2;
    }
    out += std::string(total > 2 ? total - 2 : total, '-') + "\n";
    for (const auto& row : rows_) {
        out += line(row);
    }
    return out;
}

std::string text_table::markdown() const {
    std::string out = "|";
    for (const auto& column : columns_) {
        out += fmt::format(" {} |", markdown_escape(column.header));
    }
    out += "\n|";
    for (const auto& column : columns_) {
        out += column.align == alignment::right ? " ---: |" : " --- |";
    }
    out += "\n";
    for (const auto& row : rows_) {
        out += "|";
        for (const auto& cell : row) {
            std::string text = markdown_escape(cell.text);
            if (!text.empty() &&
                (cell.style == cell_style::bad || cell.style == cell_style::bold)) {
                text = fmt::format("**{}**", text);
            }
            out += fmt::format(" {} |", text);
        }
        out += "\n";
    }
    return out;
}

std::string format_number(double value) {
    if (!std::isfinite(value)) {
        return "n/a";
    }
    const double magnitude = std::fabs(value);
    if (magnitude >= 1000 || magnitude == 0) {
        return fmt::format("{:.0f}", value);
    }
    if (magnitude >= 100) {
        return fmt::format("{:.1f}", value);
    }
    if (magnitude >= 10) {
        return fmt::format("{:.2f}", value);
    }
    if (magnitude >= 1) {
        return fmt::format("{:.3f}", value);
    }
    return fmt::format("{:.3g}", value);
}

std::string format_percent(double fraction) {
    if (!std::isfinite(fraction)) {
        return "n/a";
    }
    return fmt::format("{:+.1f}%", fraction * 100);
}

std::string format_p_value(double p) {
    if (p < 0.0001) {
        return "<0.0001";
    }
    return fmt::format("{:.4f}", p);
}

}  // namespace sfb::harness
