/* complete.c: Tab completion for the REPL, by looking inside the live Lua
 * state, never by running user code.
 *
 *   stri<Tab>        globals and Lua keywords      -> string
 *   nn.Conv2<Tab>    fields of a table path        -> nn.Conv2D(
 *   m:fi<Tab>        methods of a value            -> m:fit(
 *   :he<Tab>         REPL commands                 -> :help
 *
 * A value's fields are its own keys when it is a table, then the keys of
 * its metatable's __index table, and so on down the chain: that is where
 * Lua finds methods of tensors, layers and models (userdata) and of classes
 * written in Lua. Everything is read with raw access (lua_rawget, lua_next):
 * an __index *function* is never called, because completing a name must
 * never run the learner's code (it could be slow, print, or fail).
 *
 * A type whose __index is a function (tensors, for t[i] and t.shape; layers;
 * models) publishes its members in its metatable instead, for us:
 * __methods, a table of the methods, and __fields, a list of field names.
 *
 * A unique completion that is a function gets "(" appended, ready for its
 * arguments (but not in a command's argument: ":help nn.Conv2D"); nothing
 * else gets a suffix.
 *
 * Left out: completing after brackets (t[1].sh), inside strings, and
 * fields that an __index function knows about but does not publish.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "commands.h"
#include "repl.h"

/* Far longer than any real __index chain; stops a chain that loops. */
#define MAX_INDEX_DEPTH 16

/* The state completion looks into (set by lnn_complete_init). */
static lua_State *completion_state;

/* Completions found so far: whole words, ready to replace what was typed. */
typedef struct candidate {
    char *word;         /* "nn.Conv2D" */
    bool is_function;   /* a unique function completion gets "(" */
} candidate;

typedef struct candidate_list {
    candidate *items;
    size_t count, capacity;
} candidate_list;

/* Adds prefix..name. Out of memory, the candidate is just left out. */
static void add_candidate(candidate_list *list, const char *prefix, size_t prefix_len,
                          const char *name, bool is_function)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 32;
        candidate *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL)
            return;
        list->items = items;
        list->capacity = capacity;
    }
    size_t name_len = strlen(name);
    char *word = malloc(prefix_len + name_len + 1);
    if (word == NULL)
        return;
    memcpy(word, prefix, prefix_len);
    memcpy(word + prefix_len, name, name_len + 1);
    list->items[list->count++] = (candidate){word, is_function};
}

static void free_candidates(candidate_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].word);
    free(list->items);
    *list = (candidate_list){0};
}

/* Lua names are ASCII whatever the locale, so no isalpha() here. */
static bool is_letter(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Only keys that are Lua names can be typed after '.' or ':'. */
static bool is_identifier(const char *s, size_t len)
{
    if (len == 0 || !is_letter(s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!is_letter(s[i]) && !(s[i] >= '0' && s[i] <= '9'))
            return false;
    return true;
}

/* ---- looking inside Lua values without running code ---- */

/* If the value at index i has a metatable whose __index is a table, push
 * that table and return true; otherwise push nothing and return false. */
static bool push_index_table(lua_State *L, int i)
{
    if (!lua_getmetatable(L, i))
        return false;
    lua_pushliteral(L, "__index");
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_remove(L, -2);  /* the metatable */
        return true;
    }
    lua_pop(L, 2);
    return false;
}

/* If the value at index i has a metatable with a table in field `name`
 * (__methods, __fields), push that table and return true; otherwise push
 * nothing and return false. */
static bool push_published(lua_State *L, int i, const char *name)
{
    if (!lua_getmetatable(L, i))
        return false;
    lua_pushstring(L, name);
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_remove(L, -2);  /* the metatable */
        return true;
    }
    lua_pop(L, 2);
    return false;
}

/* Push t[key] for the table on top of the stack, and return true if it is
 * not nil; otherwise push nothing. */
static bool push_raw_field(lua_State *L, const char *key, size_t key_len)
{
    lua_pushlstring(L, key, key_len);
    if (lua_rawget(L, -2) != LUA_TNIL)
        return true;
    lua_pop(L, 1);
    return false;
}

/* Replace the value on top of the stack by value.key as Lua would find it:
 * a table's own field, else the field of the next __index table down the
 * chain, else a published method. Returns false (and pops the value) when
 * raw access cannot find it. */
static bool descend(lua_State *L, const char *key, size_t key_len)
{
    for (int depth = 0; depth < MAX_INDEX_DEPTH; depth++) {
        if (lua_istable(L, -1) && push_raw_field(L, key, key_len)) {
            lua_remove(L, -2);
            return true;
        }
        if (push_index_table(L, -1)) {
            lua_remove(L, -2);
            continue;
        }
        if (push_published(L, -1, "__methods")) {
            bool found = push_raw_field(L, key, key_len);
            lua_remove(L, found ? -2 : -1);  /* __methods */
            if (found) {
                lua_remove(L, -2);  /* the value */
                return true;
            }
        }
        break;
    }
    lua_pop(L, 1);
    return false;
}

/* Push the value named by a path of fields ("nn", "nn.datasets") starting
 * from the globals. Returns false, pushing nothing, if it cannot be found. */
static bool push_path(lua_State *L, const char *path, size_t len)
{
    lua_pushglobaltable(L);
    size_t start = 0;
    while (start <= len) {
        const char *dot = memchr(path + start, '.', len - start);
        size_t end = dot ? (size_t)(dot - path) : len;
        if (!is_identifier(path + start, end - start)) {
            lua_pop(L, 1);
            return false;
        }
        if (!descend(L, path + start, end - start))
            return false;
        start = end + 1;
    }
    return true;
}

/* What the learner has typed so far, and what may complete it. */
typedef struct completion_query {
    const char *prefix;     /* kept as typed: "nn." or "m:" ("" for a global) */
    size_t prefix_len;
    const char *partial;    /* the part being completed: "Con" */
    bool methods_only;      /* after ':' only functions make sense */
    candidate_list *out;
} completion_query;

/* Add name (of the given length) if it fits the query. */
static void consider(const completion_query *q, const char *name, size_t len, bool is_function)
{
    if (!is_identifier(name, len) || strncmp(name, q->partial, strlen(q->partial)) != 0)
        return;
    /* metamethods (__index, __gc) only when asked for */
    if (strncmp(name, "__", 2) == 0 && strncmp(q->partial, "__", 2) != 0)
        return;
    if (q->methods_only && !is_function)
        return;
    add_candidate(q->out, q->prefix, q->prefix_len, name, is_function);
}

/* Consider the string keys of the table on top of the stack. */
static void add_table_keys(lua_State *L, const completion_query *q)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        size_t len;
        if (lua_type(L, -2) == LUA_TSTRING) {
            const char *key = lua_tolstring(L, -2, &len);
            consider(q, key, len, lua_type(L, -1) == LUA_TFUNCTION);
        }
        lua_pop(L, 1);  /* the value; keep the key for lua_next */
    }
}

/* Consider the strings listed in the table on top of the stack (__fields). */
static void add_listed_names(lua_State *L, const completion_query *q)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        size_t len;
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *name = lua_tolstring(L, -1, &len);
            consider(q, name, len, false);
        }
        lua_pop(L, 1);
    }
}

/* Add the members a type with an __index function publishes: the keys of
 * its metatable's __methods, and the names in its __fields. */
static void add_published(lua_State *L, const completion_query *q)
{
    if (push_published(L, -1, "__methods")) {
        add_table_keys(L, q);
        lua_pop(L, 1);
    }
    if (push_published(L, -1, "__fields")) {
        add_listed_names(L, q);
        lua_pop(L, 1);
    }
}

/* Add the fields of the value on top of the stack: its own keys if it is a
 * table, then those of each __index table down the chain, and what the
 * last one down the chain publishes. Pops the value. */
static void add_fields(lua_State *L, const completion_query *q)
{
    for (int depth = 0; depth < MAX_INDEX_DEPTH; depth++) {
        if (lua_istable(L, -1))
            add_table_keys(L, q);
        if (!push_index_table(L, -1)) {
            add_published(L, q);
            break;
        }
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
}

static void add_keywords(const completion_query *q)
{
    static const char *const keywords[] = {
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
        "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
        "true", "until", "while", NULL,
    };
    size_t partial_len = strlen(q->partial);
    for (int i = 0; keywords[i]; i++)
        if (strncmp(keywords[i], q->partial, partial_len) == 0)
            add_candidate(q->out, "", 0, keywords[i], false);
}

/* Runs under lua_pcall (argument 1: the query as a light userdata), so that
 * running out of memory inside Lua cannot end the session. */
static int collect_lua_candidates(lua_State *L)
{
    completion_query *q = lua_touserdata(L, 1);
    if (q->prefix_len == 0) {
        lua_pushglobaltable(L);
        add_fields(L, q);
        add_keywords(q);
        return 0;
    }
    if (push_path(L, q->prefix, q->prefix_len - 1))  /* the path before '.' or ':' */
        add_fields(L, q);
    return 0;
}

/* ---- turning candidates into readline's answer ---- */

static int compare_candidates(const void *a, const void *b)
{
    return strcmp(((const candidate *)a)->word, ((const candidate *)b)->word);
}

/* Sort, and drop the duplicates that a key shadowed down an __index chain
 * leaves behind. */
static void sort_unique(candidate_list *list)
{
    if (list->count == 0)
        return;
    qsort(list->items, list->count, sizeof *list->items, compare_candidates);
    size_t kept = 1;
    for (size_t i = 1; i < list->count; i++) {
        if (strcmp(list->items[i].word, list->items[kept - 1].word) == 0)
            free(list->items[i].word);
        else
            list->items[kept++] = list->items[i];
    }
    list->count = kept;
}

/* Readline wants a NULL-terminated array: [0] replaces what was typed (the
 * longest prefix common to all), then the candidates to list. It frees the
 * array and its strings. Takes ownership of the candidates' words. */
static char **readline_matches(candidate_list *list, char unique_suffix_for_functions)
{
    sort_unique(list);
    rl_completion_append_character = '\0';
    if (list->count == 0)
        return NULL;
    char **matches = calloc(list->count + 2, sizeof *matches);
    if (matches == NULL)
        return NULL;
    if (list->count == 1) {
        matches[0] = list->items[0].word;
        if (list->items[0].is_function)
            rl_completion_append_character = unique_suffix_for_functions;
    } else {
        /* The words are sorted, so what the first and last share, all share. */
        const char *first = list->items[0].word, *last = list->items[list->count - 1].word;
        size_t common = 0;
        while (first[common] && first[common] == last[common])
            common++;
        matches[0] = strndup(first, common);
        if (matches[0] == NULL) {
            free(matches);
            return NULL;
        }
        for (size_t i = 0; i < list->count; i++)
            matches[i + 1] = list->items[i].word;
    }
    list->count = 0;  /* the words now belong to readline */
    return matches;
}

/* The ':' commands and their aliases (nn.commands.by_name, commands.lua). */
static void add_commands(candidate_list *list, const char *partial)
{
    lua_State *L = completion_state;
    int top = lua_gettop(L);
    bool collecting = lua_gc(L, LUA_GCISRUNNING);  /* no __gc finalizer: see below */
    lua_gc(L, LUA_GCSTOP);
    if (lua_checkstack(L, 4)) {
        lnn_push_command_names(L);
        for (lua_pushnil(L); lua_istable(L, top + 1) && lua_next(L, top + 1); lua_pop(L, 1)) {
            const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            if (name && strncmp(name, partial, strlen(partial)) == 0)
                add_candidate(list, ":", 1, name, true);
        }
    }
    lua_settop(L, top);
    if (collecting)
        lua_gc(L, LUA_GCRESTART);
}

static void add_lua_candidates(candidate_list *list, const char *text)
{
    const char *separator = NULL;
    for (const char *p = text; *p; p++)
        if (*p == '.' || *p == ':')
            separator = p;
    completion_query q = {
        .prefix = text,
        .prefix_len = separator ? (size_t)(separator - text) + 1 : 0,
        .partial = separator ? separator + 1 : text,
        .methods_only = separator && *separator == ':',
        .out = list,
    };
    lua_State *L = completion_state;
    int top = lua_gettop(L);
    /* A garbage-collection step could run a __gc finalizer, which is user
     * code too (and might print over the line being typed): pause it. */
    bool collecting = lua_gc(L, LUA_GCISRUNNING);
    lua_gc(L, LUA_GCSTOP);
    if (lua_checkstack(L, 8)) {
        lua_pushcfunction(L, collect_lua_candidates);
        lua_pushlightuserdata(L, &q);
        lua_pcall(L, 1, 0, 0);  /* on an error, keep what was found */
    }
    lua_settop(L, top);
    if (collecting)
        lua_gc(L, LUA_GCRESTART);
}

/* Readline calls this on Tab with the word under the cursor: the text
 * between start and end of rl_line_buffer. */
static char **attempt_completion(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;  /* never fall back to file names */
    size_t indent = strspn(rl_line_buffer, " \t");
    bool command_line = rl_line_buffer[indent] == ':' && rl_line_buffer[indent + 1] != ':';
    bool command_name = command_line && (size_t)start == indent;
    candidate_list list = {0};
    if (command_name)
        add_commands(&list, text + 1);
    else
        add_lua_candidates(&list, text);
    /* "(" opens a call in Lua; a command's argument (:help nn.Conv2D) is
     * a name, not a call. */
    char suffix = command_name ? ' ' : command_line ? '\0' : '(';
    char **matches = readline_matches(&list, suffix);
    free_candidates(&list);
    return matches;
}

void lnn_complete_init(lua_State *L)
{
    /* Lua's operators and brackets end a word; '.' and ':' do not, so that
     * "nn.Conv2" and "m:fi" reach attempt_completion whole. */
    static const char word_breaks[] = " \t\n\"'`=<>~+-*/%^#&|,;(){}[]";
    completion_state = L;
    rl_readline_name = "nnstep";  /* for $if nnstep in ~/.inputrc */
    rl_basic_word_break_characters = word_breaks;
    rl_completer_word_break_characters = word_breaks;
    rl_attempted_completion_function = attempt_completion;
}
