package libcontainer

// undoStack collects what a command acquired; on failure run() releases
// it in reverse order, so a failed command leaves nothing behind.
type undoStack struct {
	fns []func()
}

func (u *undoStack) push(f func()) { u.fns = append(u.fns, f) }

// run releases everything, last acquired first.
func (u *undoStack) run() {
	for i := len(u.fns) - 1; i >= 0; i-- {
		u.fns[i]()
	}
	u.fns = nil
}

// forget keeps everything (the command succeeded).
func (u *undoStack) forget() { u.fns = nil }
