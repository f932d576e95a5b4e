/* cmd.h: subcommands implemented in monitor/. */
#ifndef HAMON_CMD_H
#define HAMON_CMD_H

int cmd_monitor(int argc, char **argv);
int cmd_check_config(int argc, char **argv);

#endif
