package modelstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxBundleBytes is the largest bundle Get reads. Bundles within the training limits in botconfig
// are a few MB.
const MaxBundleBytes = 256 << 20

// S3 is the part of the S3 client the store uses.
type S3 interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

var _ S3 = (*s3.Client)(nil)

// Store reads and writes bundles in one bucket. Every call takes the tenant as a tenant.ID and
// builds the key from it, so no call can name another tenant's object.
type Store struct {
	s3     S3
	bucket string
}

// New returns a store over bucket.
func New(client S3, bucket string) *Store { return &Store{s3: client, bucket: bucket} }

// NewClient returns an S3 client for cfg. When an endpoint is configured (AWS_ENDPOINT_URL_S3: an
// S3-compatible store, such as the emulator of the tests and the local stack) it addresses buckets
// by path, as such stores expect; against AWS it keeps the SDK's defaults.
func NewClient(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	})
}

func key(t tenant.ID, version string) (string, error) {
	if t.IsZero() {
		return "", fmt.Errorf("modelstore: zero tenant: %w", tenant.ErrInvalid)
	}
	if !botconfig.ValidModelVersion(version) {
		return "", fmt.Errorf("modelstore: bad version %q: %w", version, ErrNotFound)
	}
	return botconfig.ModelKey(t.String(), version), nil
}

// Put stores b as tenant t's bundle at b.Version (setting b.Tenant) and returns the object key.
// It replaces an object already there; versions are unique, so that happens only on a retry.
func (s *Store) Put(ctx context.Context, t tenant.ID, b *Bundle) (string, error) {
	k, err := key(t, b.Version)
	if err != nil {
		return "", err
	}
	b.Tenant = t.String()
	data, err := b.Marshal()
	if err != nil {
		return "", err
	}
	_, err = s.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           &k,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String("application/octet-stream"),
	})
	if err != nil {
		return "", fmt.Errorf("put model %s: %w", k, err)
	}
	return k, nil
}

// Get reads tenant t's bundle at version. ErrNotFound if there is none; ErrCorrupt if the object
// is not a whole bundle, or is another tenant's or version's.
func (s *Store) Get(ctx context.Context, t tenant.ID, version string) (*Bundle, error) {
	k, err := key(t, version)
	if err != nil {
		return nil, err
	}
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		if _, ok := errors.AsType[*types.NoSuchKey](err); ok {
			return nil, fmt.Errorf("get model %s: %w", k, ErrNotFound)
		}
		return nil, fmt.Errorf("get model %s: %w", k, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxBundleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read model %s: %w", k, err)
	}
	if len(data) > MaxBundleBytes {
		return nil, fmt.Errorf("model %s: %w: larger than %d bytes", k, ErrCorrupt, MaxBundleBytes)
	}
	b, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", k, err)
	}
	if b.Tenant != t.String() || b.Version != version {
		return nil, fmt.Errorf("model %s: %w: it holds %s/%s", k, ErrCorrupt, b.Tenant, b.Version)
	}
	return b, nil
}

// Delete removes tenant t's bundle at version; deleting a missing one is not an error.
func (s *Store) Delete(ctx context.Context, t tenant.ID, version string) error {
	k, err := key(t, version)
	if err != nil {
		return err
	}
	if _, err := s.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k}); err != nil {
		return fmt.Errorf("delete model %s: %w", k, err)
	}
	return nil
}
