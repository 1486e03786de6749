package devstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// buildFunctions compiles every function's Go main package for this machine:
// go build -tags lambda.norpc -o <bin>/<LogicalId>/bootstrap ./<CodeUri>, run from the template's
// folder. Functions sharing a CodeUri are built once. go build leaves an up-to-date binary alone,
// so a restart only relinks what changed.
func (st *Stack) buildFunctions(ctx context.Context) error {
	ids := make([]string, 0, len(st.model.functions))
	for id := range st.model.functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	built := map[string]string{} // CodeDir -> binary
	for _, id := range ids {
		fn := st.model.functions[id]
		out := filepath.Join(st.binDir(fn), fn.Handler)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if src, ok := built[fn.CodeDir]; ok {
			os.Remove(out)
			if err := os.Link(src, out); err != nil {
				return fmt.Errorf("link %s: %w", id, err)
			}
			fn.Bin = out
			continue
		}
		rel, err := filepath.Rel(st.model.tmpl.Dir, fn.CodeDir)
		if err != nil {
			return err
		}
		start := time.Now()
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", out, "./"+filepath.ToSlash(rel))
		cmd.Dir = st.model.tmpl.Dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build function %s (%s): %w\n%s", id, rel, err, b)
		}
		st.log.Info("built function", "function", id, "code", rel, "took", time.Since(start).Round(time.Millisecond))
		built[fn.CodeDir] = out
		fn.Bin = out
	}
	return nil
}

func (st *Stack) binDir(fn *function) string { return filepath.Join(st.cfg.BinDir, fn.LogicalID) }

// functionEnv is the environment of one instance: what Lambda sets, the template's variables,
// and the local endpoints (which win over anything the template says about them).
func (st *Stack) functionEnv(fn *function, runtimeAPI string) []string {
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME=" + fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + fmt.Sprint(fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + strings.ReplaceAll(newUUID(), "-", ""),
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"_HANDLER=" + fn.Handler,
		"LAMBDA_TASK_ROOT=" + st.binDir(fn),
		"LAMBDA_RUNTIME_DIR=" + st.binDir(fn),
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
	}
	if fn.LogFormat == "JSON" {
		env = append(env, "AWS_LAMBDA_LOG_FORMAT=JSON")
		if fn.LogLevel != "" {
			env = append(env, "AWS_LAMBDA_LOG_LEVEL="+fn.LogLevel)
		}
	}
	keys := make([]string, 0, len(fn.Env))
	for k := range fn.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+fn.Env[k])
	}
	return append(env,
		"AWS_ACCESS_KEY_ID="+localAccessKey,
		"AWS_SECRET_ACCESS_KEY="+localSecretKey,
		"AWS_ENDPOINT_URL_DYNAMODB="+st.endpoints.DynamoDB,
		"AWS_ENDPOINT_URL_KINESIS="+st.endpoints.Kinesis,
		"AWS_ENDPOINT_URL_S3="+st.endpoints.S3,
		"AWS_ENDPOINT_URL_SQS="+st.sqs.base,
		"AWS_ENDPOINT_URL_LAMBDA="+st.lambda.url(),
	)
}
