package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/urfave/cli"
)

var psCommand = cli.Command{
	Name:      "ps",
	Usage:     "show the processes of a container",
	ArgsUsage: "<container-id> [<ps(1) argument>...]",
	Description: `Without --format json, runs the host's ps with the given options (default
-ef) and prints its header and the lines of the container's processes.
--format json prints the host pids as a JSON array, as runc does (null when
there are none).`,
	SkipArgReorder: true,
	OnUsageError:   oneLineUsage,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "format, f", Value: "table", Usage: "table (the host's ps lines) or json (a list of host pids)"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, -1); err != nil {
			return err
		}
		format := ctx.String("format")
		if format != "table" && format != "json" {
			return fmt.Errorf("ps: --format %q: use table or json", format)
		}
		c, err := getContainer(ctx)
		if err != nil {
			return err
		}
		pids, err := c.Processes()
		if err != nil {
			return err
		}
		if format == "json" {
			return json.NewEncoder(os.Stdout).Encode(pids)
		}
		return psTable(pids, ctx.Args().Tail())
	},
}

// psTable runs ps(1) with args and prints its header and the lines whose
// PID column names one of pids.
func psTable(pids []int, args []string) error {
	if len(args) == 0 {
		args = []string{"-ef"}
	}
	out, err := exec.Command("ps", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ps %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	lines := strings.Split(string(out), "\n")
	col := -1
	for i, f := range strings.Fields(lines[0]) {
		if f == "PID" {
			col = i
			break
		}
	}
	if col < 0 {
		return fmt.Errorf("ps %s: no PID column in its output (add -o pid)", strings.Join(args, " "))
	}
	in := make(map[int]bool, len(pids))
	for _, p := range pids {
		in[p] = true
	}
	fmt.Println(lines[0])
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= col {
			continue
		}
		if p, err := strconv.Atoi(f[col]); err == nil && in[p] {
			fmt.Println(l)
		}
	}
	return nil
}
