/* session.c — config, store, engine and identity for one command; see
 * session.h. */
#include "session.h"
#include "store_open.h"

#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *session_fmt(const char *fmt, ...)
{
    Sbuf b = {0};
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sbuf_puts(&b, buf);
    return sbuf_take(&b);
}

void session_say(Session *s, const char *fmt, ...)
{
    if (!s->say)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->say(s->say_ud, buf);
}

void session_close(Session *s)
{
    if (!s)
        return;
    if (s->programs)
        for (size_t i = 0; i <= s->cfg->nstacks; i++)
            if (s->programs[i])
                veto_program_free(s->programs[i]);
    free(s->programs);
    if (s->engine)
        veto_engine_free(s->engine);
    if (s->store)
        store_close(s->store);
    free(s->store_path);
    free(s->actor);
    config_free(s->cfg);
    free(s);
}

int session_identify(Session *s, const char *as, char **err)
{
    static const char *const vars[] = {"VETO_ACTOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", NULL};
    const char *name = NULL;
    const char *source = "--as";
    *err = NULL;
    if (as) {
        name = as;
    } else {
        for (size_t i = 0; vars[i] && !name; i++) {
            const char *v = getenv(vars[i]);
            if (v && *v) {
                name = v;
                source = vars[i];
            }
        }
    }
    if (!name) {
        *err = session_fmt("who is acting? give --as NAME, or set VETO_ACTOR (in CI, "
                           "GITHUB_ACTOR or GITLAB_USER_LOGIN is used)");
        return -1;
    }
    if (!*name) {
        *err = session_fmt("--as needs a non-empty name");
        return -1;
    }
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20) {
            *err = session_fmt("the actor name must not hold control characters");
            return -1;
        }
    free(s->actor);
    s->actor = strdup(name);
    s->actor_source = source;
    s->teams = config_teams(s->cfg, name, &s->nteams);
    if (!s->actor) {
        *err = session_fmt("out of memory");
        return -1;
    }
    return 0;
}

char *session_teams_json(const Session *s, const char *name)
{
    size_t n = 0;
    char **teams = config_teams(s->cfg, name, &n);
    Sbuf b = {0};
    sbuf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sbuf_putc(&b, ',');
        sbuf_json_str(&b, teams[i]);
    }
    sbuf_putc(&b, ']');
    return sbuf_take(&b);
}

veto_program *session_program(Session *s, const CfgStack *stack, char **err)
{
    const Config *c = s->cfg;
    size_t idx = stack ? (size_t)(stack - c->stacks) : c->nstacks;
    *err = NULL;
    if (s->programs[idx])
        return s->programs[idx];
    veto_diags *d = veto_diags_new();
    veto_compiler *comp = d ? veto_compiler_new(s->engine) : NULL;
    if (!comp) {
        veto_diags_free(d);
        *err = session_fmt("out of memory");
        return NULL;
    }
    int failed = 0;
    for (size_t i = 0; i < c->npolicies; i++) {
        const CfgPolicySet *ps = &c->policies[i];
        int applies = ps->nlabels == 0 || !stack;
        for (size_t k = 0; stack && k < ps->nlabels && !applies; k++)
            applies = config_has_label(stack, ps->labels[k]);
        if (!applies)
            continue;
        if (access(ps->path, R_OK) != 0) {
            *err = session_fmt("policy path '%s' (from %s) cannot be read", ps->path, c->path);
            failed = 1;
            break;
        }
        if (veto_compiler_add_path(comp, ps->path, d) != VETO_OK)
            failed = 1;
    }
    for (size_t i = 0; !*err && stack && i < stack->npolicies; i++) {
        if (access(stack->policies[i], R_OK) != 0) {
            *err = session_fmt("policy path '%s' of stack '%s' cannot be read", stack->policies[i],
                               stack->name);
            failed = 1;
            break;
        }
        if (veto_compiler_add_path(comp, stack->policies[i], d) != VETO_OK)
            failed = 1;
    }
    veto_program *p = NULL;
    if (failed || veto_diags_errors(d) > 0)
        veto_compiler_free(comp);
    else
        p = veto_compiler_finish(comp, d);
    if (!p && !*err) {
        char *text = veto_diags_render(d, 0);
        *err =
            session_fmt("the policies of %s%s%s do not compile:\n%s", stack ? "stack '" : "",
                        stack ? stack->name : "the top level", stack ? "'" : "", text ? text : "");
        free(text);
    }
    veto_diags_free(d);
    s->programs[idx] = p;
    return p;
}

int session_reopen_store(Session *s, char **err)
{
    char msg[600];
    Store *st = store_open(s->store_path, msg, sizeof msg);
    if (!st) {
        *err = session_fmt("%s", msg);
        return -1;
    }
    s->store = st; /* the inherited connection is abandoned, not closed */
    return 0;
}
