package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
)

var listCommand = cli.Command{
	Name:  "list",
	Usage: "list the containers berth knows (under --root)",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "format, f", Value: "table", Usage: "table, or json for a list of states"},
		cli.BoolFlag{Name: "quiet, q", Usage: "print only the ids, one a line"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 0, 0); err != nil {
			return err
		}
		states, err := listStates(ctx)
		if err != nil {
			return err
		}
		// one write for the whole listing: tabwriter writes cell by cell
		out := bufio.NewWriterSize(os.Stdout, 64<<10)
		if err := printStates(ctx, out, states); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return fmt.Errorf("list: %w", err)
		}
		return nil
	},
}

func printStates(ctx *cli.Context, out io.Writer, states []libcontainer.OCIState) error {
	if ctx.Bool("quiet") {
		for _, s := range states {
			fmt.Fprintln(out, s.ID)
		}
		return nil
	}
	switch f := ctx.String("format"); f {
	case "table":
		return printTable(out, states)
	case "json":
		if states == nil {
			states = []libcontainer.OCIState{}
		}
		return json.NewEncoder(out).Encode(states)
	default:
		return fmt.Errorf("list: --format %q: use table or json", f)
	}
}

func listStates(ctx *cli.Context) ([]libcontainer.OCIState, error) {
	root, err := stateRoot(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkListRoot(ctx, root); err != nil {
		return nil, err
	}
	ids, err := libcontainer.List(root)
	if err != nil {
		return nil, err
	}
	var states []libcontainer.OCIState
	names := map[string]string{} // uid -> owner: /etc/passwd read once
	for _, id := range ids {
		c, err := libcontainer.Load(root, id)
		if err != nil {
			continue // removed meanwhile, or a create still writing its record
		}
		s := c.State()
		s.Owner = owner(filepath.Join(root, id), names)
		states = append(states, s)
	}
	return states, nil
}

// checkListRoot refuses a --root given on the command line that does not
// exist, as runc 1.5.1 does (a typo would otherwise list nothing); the
// default root is missing until the first create, which lists nothing.
func checkListRoot(ctx *cli.Context, root string) error {
	if !ctx.GlobalIsSet("root") {
		return nil
	}
	if _, err := os.Stat(root); err != nil {
		return fmt.Errorf("list: --root: %w", err)
	}
	return nil
}

// owner is the name of the user owning a container's state directory,
// which runc's list shows (its state command shows the record's "").
// names caches the lookups: one user owns most containers.
func owner(dir string, names map[string]string) string {
	fi, err := os.Stat(dir)
	if err != nil {
		return ""
	}
	uid := strconv.FormatUint(uint64(fi.Sys().(*syscall.Stat_t).Uid), 10)
	if name, ok := names[uid]; ok {
		return name
	}
	name := "#" + uid
	if u, err := user.LookupId(uid); err == nil {
		name = u.Username
	}
	names[uid] = name
	return name
}

func printTable(out io.Writer, states []libcontainer.OCIState) error {
	w := tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)
	fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
	for _, s := range states {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle,
			s.Created.Format(time.RFC3339Nano), s.Owner)
	}
	return w.Flush()
}
