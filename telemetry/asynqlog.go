package telemetry

import (
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"
)

// AsynqLogger adapts slog to asynq.Logger, for asynq's servers and schedulers.
func AsynqLogger(l *slog.Logger) asynq.Logger { return asynqLog{l} }

type asynqLog struct{ l *slog.Logger }

func (a asynqLog) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLog) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLog) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLog) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }

// Fatal is called by asynq on unrecoverable errors; it logs and lets asynq exit.
func (a asynqLog) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...), "fatal", true) }
