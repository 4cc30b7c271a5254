/* SPDX-License-Identifier: MIT */
/* free_port.c -- print a TCP port on 127.0.0.1 that is free right now: the
 * kernel picks one for a bind to port 0, and we release it. For a peer
 * server (nginx) that cannot take --port 0; another process may take the
 * port before it does, so bench/run.sh retries when the peer cannot bind. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof addr;
    int fd;

    if (argc > 1) {
        int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;

        if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
            printf("bench-free-port %s\n", SUITE_VERSION);
            return 0;
        }
        fprintf(help ? stdout : stderr, "Usage: bench-free-port\n"
                                        "Print a TCP port on 127.0.0.1 that is free now.\n");
        return help ? 0 : 2;
    }
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        perror("bench-free-port");
        return 1;
    }
    printf("%d\n", ntohs(addr.sin_port));
    return close(fd) == 0 ? 0 : 1;
}
