#include <sfb/printable.h>

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(Printable, KeepsPrintableAsciiAndWellFormedUtf8) {
    EXPECT_EQ(sfb::printable("port 7900"), "port 7900");
    EXPECT_EQ(sfb::printable("r\xc3\xa9sultats"), "r\xc3\xa9sultats");
}

TEST(Printable, EscapesControlsBackslashesAndBrokenUtf8) {
    EXPECT_EQ(sfb::printable("a\nb\tc\\d"), "a\\nb\\tc\\\\d");
    EXPECT_EQ(sfb::printable("\x1b[2J"), "\\x1b[2J");
    EXPECT_EQ(sfb::printable("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(sfb::printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
    EXPECT_EQ(sfb::printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a lone surrogate
    EXPECT_EQ(sfb::printable("\xe2\x82"), "\\xe2\\x82");           // cut sequence
    EXPECT_EQ(sfb::printable(std::string("a\0b", 3)), "a\\x00b");
}

TEST(Printable, EscapesCodePointsThatReorderOrHideText) {
    EXPECT_EQ(sfb::printable("\xe2\x80\xae"
                             "abc"),
              "\\u{202e}abc");
    EXPECT_EQ(sfb::printable("\xc2\x85"), "\\u{0085}");
}

TEST(Printable, CutsLongInputAndSaysHowMuchWasLeftOut) {
    const std::string text(100000, 'x');
    const std::string shown = sfb::printable(text, 64);
    EXPECT_LE(shown.size(), 64U + 32U);
    EXPECT_NE(shown.find("(99936 more bytes)"), std::string::npos) << shown;
}

TEST(Printable, PlainTextIsWhatPrintsUnchanged) {
    EXPECT_TRUE(sfb::is_plain_text("/tmp/r\xc3\xa9sultats, run 1.json"));
    EXPECT_FALSE(sfb::is_plain_text("a\nb"));
    EXPECT_FALSE(sfb::is_plain_text("\xff"));
    EXPECT_FALSE(sfb::is_plain_text("\xe2\x80\xae"));
}

TEST(Printable, EveryByteValueGivesValidUtf8) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
        all += static_cast<char>(255 - i);
    }
    EXPECT_TRUE(sfb::is_plain_text(sfb::printable(all, 1 << 20)));
}

}  // namespace
