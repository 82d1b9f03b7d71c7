/* commands.c — what every subcommand shares about itself: printing its
 * usage (commands.h). The table of subcommands is main.c's, so no command
 * depends on the dispatcher. */
#include "commands.h"

#include <stdio.h>

#include "cli_args.h"

int cli_print_usage(const CliCommand *cmd)
{
    fputs(cmd->usage, stdout);
    return EXIT_PASS;
}
