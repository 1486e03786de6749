package template

import (
	"os/exec"
	"testing"
)

// cfn-lint (AWS's CloudFormation linter: resource property schemas, intrinsics allowed in
// conditions, IAM policy shape) finds nothing in the template. Skipped where it is not installed.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed")
	}
	if out, err := exec.Command(bin, templatePath).CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
