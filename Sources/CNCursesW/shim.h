#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H

// SwiftPM drops pkg-config's defines; without these the wide-character API is missing.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1

#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Macros and globals, as functions Swift can call.
static inline WINDOW *cm_stdscr(void) { return stdscr; }
static inline int cm_lines(void) { return LINES; }
static inline int cm_cols(void) { return COLS; }
static inline int cm_getmaxy(void) { return getmaxy(stdscr); }
static inline int cm_getmaxx(void) { return getmaxx(stdscr); }
static inline attr_t cm_a_normal(void) { return A_NORMAL; }
static inline attr_t cm_a_bold(void) { return A_BOLD; }
static inline attr_t cm_a_reverse(void) { return A_REVERSE; }
static inline attr_t cm_a_dim(void) { return A_DIM; }
static inline attr_t cm_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline int cm_move(int y, int x) { return move(y, x); }
static inline int cm_attrset(attr_t attributes) { return attrset(attributes); }
static inline int cm_addnstr(const char *text, int length) { return addnstr(text, length); }
static inline int cm_get_wch(wint_t *character) { return get_wch(character); }
static inline int cm_timeout(int milliseconds) { timeout(milliseconds); return OK; }
static inline int cm_key_code_yes(void) { return KEY_CODE_YES; }
static inline int cm_ok(void) { return OK; }
static inline int cm_err(void) { return ERR; }
static inline int cm_refresh(void) { return refresh(); }
static inline int cm_clear(void) { return clear(); }
static inline const char *cm_codeset(void) { return nl_langinfo(CODESET); }

#endif
