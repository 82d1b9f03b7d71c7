/* config.h — veto.yaml: the stacks, their commands and policies, and the
 * directory of people and teams.
 *
 * Owns: reading the file with libyaml's document API, checking every key
 * and value (unknown keys are errors that suggest the nearest known one),
 * resolving paths against the file's directory, and rejecting dependency
 * cycles. Every error is "FILE:LINE:COL: error: MESSAGE" with 1-based
 * positions. Does not own: running anything, the store, compiling policies.
 *
 * The format is documented in docs/ORCHESTRATOR.md.
 */
#ifndef VETO_ORCH_CONFIG_H
#define VETO_ORCH_CONFIG_H

#include <stddef.h>

typedef struct CfgEnv {
    char *name;
    char *value;
    int sensitive; /* redacted in stored logs */
} CfgEnv;

typedef struct CfgStack {
    char *name;
    char *dir;         /* the directory, resolved against the config's directory */
    char *dir_display; /* the directory as written */
    char *plan_cmd;    /* prints the plan JSON on stdout */
    char *apply_cmd;   /* applies the plan just made */
    char *outputs_cmd; /* prints `terraform output -json`; "" = none */
    char *drift_cmd;   /* prints a refresh-only plan's JSON */
    long timeout;      /* seconds per command */
    int auto_apply;    /* 1: apply as soon as approved; 0: wait for `veto apply RUN` */
    char **labels;
    size_t nlabels;
    char **deps; /* depends_on, by name */
    size_t ndeps;
    size_t *dep_idx; /* depends_on, as indexes into Config.stacks */
    CfgEnv *env;
    size_t nenv;
    char **policies; /* policy paths attached directly, resolved */
    size_t npolicies;
    int line, col; /* where the stack is defined */
} CfgStack;

typedef struct CfgPolicySet {
    char *path;    /* resolved */
    char **labels; /* attach to stacks with any of these labels; none = every stack */
    size_t nlabels;
} CfgPolicySet;

typedef struct CfgPerson {
    char *name;
    char **teams;
    size_t nteams;
} CfgPerson;

typedef struct Config {
    char *path;       /* the config file as given */
    char *base_dir;   /* its directory: relative paths resolve against it */
    char *store_path; /* resolved; default BASE/.veto/veto.db */
    CfgStack *stacks; /* in file order */
    size_t nstacks;
    CfgPolicySet *policies; /* top-level policy sets (all kinds; trigger policies live here) */
    size_t npolicies;
    CfgPerson *people;
    size_t npeople;
} Config;

/* Reads and checks path. Returns an owned config, or NULL with every error
 * (up to 20), one per line, in *errors (malloc'd). */
Config *config_load(const char *path, char **errors);
void config_free(Config *c);

/* The stack called name, or NULL. */
const CfgStack *config_stack(const Config *c, const char *name);
/* The nearest stack name to name (for "did you mean"), or NULL. */
const char *config_suggest_stack(const Config *c, const char *name);
/* The teams of person name (NULL with *n = 0 when unknown). */
char **config_teams(const Config *c, const char *name, size_t *n);
/* 1 when the stack has label. */
int config_has_label(const CfgStack *s, const char *label);

/* Defaults of the commands, as documented. */
#define CONFIG_DEFAULT_PLAN    "terraform plan -input=false -out=tfplan && terraform show -json tfplan"
#define CONFIG_DEFAULT_APPLY   "terraform apply -input=false tfplan"
#define CONFIG_DEFAULT_OUTPUTS "terraform output -json"
#define CONFIG_DEFAULT_DRIFT                                                                       \
    "terraform plan -input=false -refresh-only -out=tfdrift && terraform show -json tfdrift"
#define CONFIG_DEFAULT_TIMEOUT 3600

#endif
