/* cmd_graph.c — `veto graph`: the stacks' dependency graph as text (by
 * level: stacks of one level may run in parallel) or Graphviz DOT
 * (orchestrator/graph.c). Reads only the config. */
#include "../orchestrator/config.h"
#include "../orchestrator/graph.h"
#include "../orchestrator/graph_render.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char graph_usage[] =
    "Usage: veto graph [options]\n"
    "\n"
    "Print the dependency graph of the stacks: as text, one level at a time\n"
    "(a stack's level is one more than its deepest dependency's; stacks of one\n"
    "level run in parallel under --all), or as Graphviz DOT\n"
    "(veto graph --format dot | dot -Tsvg > stacks.svg).\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT  text (default) or dot\n"
    "  -C, --config FILE    the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "  -h, --help           show this help\n";

enum { OPT_HELP = 1, OPT_FORMAT, OPT_CONFIG };

static const CliOption graph_options[] = {
    {"format", 'f', 1, OPT_FORMAT},
    {"config", 'C', 1, OPT_CONFIG},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static int graph_main(int argc, char **argv)
{
    CliParser p;
    const char *value, *config = NULL;
    int opt, rc = 0, dot = 0;
    cli_parser_init(&p, "graph", argc, argv, graph_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
            return cli_print_usage(&cmd_graph);
        case CLI_POSITIONAL:
            rc = cli_usage_error("graph", "unexpected argument '%s'", value);
            break;
        case OPT_FORMAT:
            if (strcmp(value, "text") != 0 && strcmp(value, "dot") != 0)
                rc = cli_usage_error("graph", "--format must be text or dot, not '%s'", value);
            dot = strcmp(value, "dot") == 0;
            break;
        default:
            config = value;
        }
    }
    if (rc != 0)
        return rc;
    if (!config || !*config)
        config = getenv("VETO_CONFIG");
    if (!config || !*config)
        config = "veto.yaml";
    char *err = NULL;
    Config *c = config_load(config, &err);
    if (!c) {
        if (strcmp(config, "veto.yaml") == 0 && err && strstr(err, "No such file"))
            fprintf(stderr, "veto graph: no veto.yaml in the current directory; give one with "
                            "--config FILE or set VETO_CONFIG\n");
        else
            fprintf(stderr, "%s", err ? err : "veto graph: out of memory\n");
        free(err);
        return EXIT_USAGE;
    }
    char *text = dot ? graph_render_dot(c) : graph_render_text(c);
    if (text) {
        fputs(text, stdout);
        free(text);
    } else {
        fprintf(stderr, "veto graph: out of memory\n");
        rc = EXIT_USAGE;
    }
    config_free(c);
    return rc;
}

const CliCommand cmd_graph = {
    "graph",
    "print the stacks' dependency graph (text or Graphviz DOT)",
    graph_usage,
    graph_main,
};
