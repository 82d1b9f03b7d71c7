/* session_open.c — opening a session; see session_open.h. */
#include "session_open.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "run.h"
#include "store_open.h"

Session *session_open(const char *config_path, const char *store_path, char **err)
{
    *err = NULL;
    if (!config_path || !*config_path)
        config_path = getenv("VETO_CONFIG");
    if (!config_path || !*config_path) {
        config_path = "veto.yaml";
        if (access(config_path, F_OK) != 0) {
            *err = session_fmt("no veto.yaml in the current directory; give one with --config "
                               "FILE or set VETO_CONFIG\n");
            return NULL;
        }
    }
    Session *s = calloc(1, sizeof *s);
    if (!s) {
        *err = session_fmt("out of memory\n");
        return NULL;
    }
    s->cfg = config_load(config_path, err);
    if (!s->cfg) {
        free(s);
        return NULL;
    }
    if (!store_path || !*store_path)
        store_path = getenv("VETO_STORE");
    if (!store_path || !*store_path)
        store_path = s->cfg->store_path;
    s->store_path = strdup(store_path);
    char msg[600];
    s->store = s->store_path ? store_open(s->store_path, msg, sizeof msg) : NULL;
    if (!s->store) {
        *err = session_fmt("%s\n", s->store_path ? msg : "out of memory");
        session_close(s);
        return NULL;
    }
    s->engine = veto_engine_new();
    s->programs = calloc(s->cfg->nstacks + 1, sizeof *s->programs);
    if (!s->engine || !s->programs) {
        *err = session_fmt("out of memory\n");
        session_close(s);
        return NULL;
    }
    if (run_recover(s) != 0) {
        *err = session_fmt("%s\n", store_error(s->store));
        session_close(s);
        return NULL;
    }
    return s;
}

Session *session_start(const char *config_path, const char *store_path, const char *as,
                       int need_actor, void (*say)(void *, const char *), void *ud, char **err)
{
    Session *s = session_open(config_path, store_path, err);
    if (!s)
        return NULL;
    s->say = say;
    s->say_ud = ud;
    if (need_actor && session_identify(s, as, err) != 0) {
        session_close(s);
        return NULL;
    }
    return s;
}
