package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tributary-lineage/tributary/graph"
)

// Environment variables read by S3ConfigFromEnv. Credentials and region come from the
// standard AWS chain (AWS_* variables, shared config files, IAM role).
const (
	EnvS3Bucket        = "TRIBUTARY_S3_BUCKET"
	EnvS3Prefix        = "TRIBUTARY_S3_PREFIX"
	EnvS3Endpoint      = "TRIBUTARY_S3_ENDPOINT"
	EnvS3Region        = "TRIBUTARY_S3_REGION"
	EnvS3PresignExpiry = "TRIBUTARY_S3_PRESIGN_EXPIRY"
	EnvS3PartSize      = "TRIBUTARY_S3_PART_SIZE"
)

// Defaults of S3Config.
const (
	DefaultPresignExpiry = time.Hour
	DefaultPartSize      = 16 << 20
	maxPresignExpiry     = 7 * 24 * time.Hour // SigV4's limit
)

// S3Config says where export files go.
type S3Config struct {
	Bucket string
	Prefix string // key prefix of export files, e.g. "tributary/exports/"
	// Endpoint is an S3-compatible store's URL (MinIO, Ceph, a test server); it switches to
	// path-style addressing. Empty means AWS.
	Endpoint      string
	Region        string        // empty: from the AWS config chain
	PresignExpiry time.Duration // lifetime of download URLs; 0 means DefaultPresignExpiry
	PartSize      int64         // multipart part size; 0 means DefaultPartSize (min 5 MiB)
}

// S3ConfigFromEnv reads the TRIBUTARY_S3_* variables through getenv.
func S3ConfigFromEnv(getenv func(string) string) (S3Config, error) {
	c := S3Config{Bucket: getenv(EnvS3Bucket), Prefix: getenv(EnvS3Prefix), Endpoint: getenv(EnvS3Endpoint), Region: getenv(EnvS3Region)}
	var errs []error
	if v := getenv(EnvS3PresignExpiry); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: not a duration", EnvS3PresignExpiry, v))
		}
		c.PresignExpiry = d
	}
	if v := getenv(EnvS3PartSize); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: not a number of bytes", EnvS3PartSize, v))
		}
		c.PartSize = n
	}
	if err := errors.Join(errs...); err != nil {
		return S3Config{}, err
	}
	return c, c.Validate()
}

// Validate reports every bad setting.
func (c S3Config) Validate() error {
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("s3: bucket is required"))
	}
	if c.Endpoint != "" {
		if err := endpointProblem(c.Endpoint); err != nil {
			errs = append(errs, err)
		}
	}
	if c.PresignExpiry < 0 || c.PresignExpiry > maxPresignExpiry {
		errs = append(errs, fmt.Errorf("s3: presign expiry %s out of range (0, 7 days]", c.PresignExpiry))
	}
	if c.PartSize != 0 && c.PartSize < manager.MinUploadPartSize {
		errs = append(errs, fmt.Errorf("s3: part size %d below the minimum %d", c.PartSize, manager.MinUploadPartSize))
	}
	return errors.Join(errs...)
}

// endpointProblem checks an S3 endpoint URL without repeating it (it may hold credentials).
func endpointProblem(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("s3: endpoint is not a valid URL")
	case u.User != nil:
		return errors.New("s3: endpoint must not contain credentials (they come from the AWS configuration chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, shared files, IAM role)")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("s3: endpoint scheme must be http or https")
	case u.Host == "":
		return errors.New("s3: endpoint host is missing")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New("s3: endpoint must not have a query or fragment")
	}
	return nil
}

// ErrOutsideBucket refuses an s3:// URI outside the configured bucket and prefix: the server
// reads and writes S3 with its own credentials, so a caller names only objects it was meant to.
var ErrOutsideBucket = errors.New("outside the configured S3 bucket and prefix")

// S3Store reads and writes export and import files in S3, in its bucket under its prefix only.
type S3Store struct {
	cfg      S3Config
	client   *s3.Client
	uploader *manager.Uploader
	presign  *s3.PresignClient
}

// NewS3Store loads the AWS configuration chain (with opts, e.g. config.WithRegion) and
// returns a store for cfg.
func NewS3Store(ctx context.Context, cfg S3Config, opts ...func(*config.LoadOptions) error) (*S3Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PresignExpiry == 0 {
		cfg.PresignExpiry = DefaultPresignExpiry
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
			// S3-compatible stores often lack the flexible checksums newer SDKs send by default.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &S3Store{
		cfg:      cfg,
		client:   client,
		uploader: manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = cfg.PartSize }),
		presign:  s3.NewPresignClient(client),
	}, nil
}

// Client is the underlying S3 client.
func (s *S3Store) Client() *s3.Client { return s.client }

// Key returns the object key of an export file called name (the prefix prepended).
func (s *S3Store) Key(name string) string { return s.cfg.Prefix + name }

// URI returns s3://bucket/key for a key of the configured bucket.
func (s *S3Store) URI(key string) string { return "s3://" + s.cfg.Bucket + "/" + key }

// Upload writes r to key in the configured bucket, in parts of PartSize (a multipart upload
// when r is larger than one part), and returns the s3:// URI.
func (s *S3Store) Upload(ctx context.Context, key string, r io.Reader, contentType string) (string, error) {
	if err := s.check(s.cfg.Bucket, key); err != nil {
		return "", err
	}
	_, err := s.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), Body: r, ContentType: aws.String(contentType),
	})
	if err != nil {
		return "", fmt.Errorf("upload s3://%s/%s: %w", s.cfg.Bucket, key, err)
	}
	return s.URI(key), nil
}

// PresignGet returns a URL that downloads uri without credentials until the returned time.
func (s *S3Store) PresignGet(ctx context.Context, uri string) (string, time.Time, error) {
	bucket, key, err := s.resolve(uri)
	if err != nil {
		return "", time.Time{}, err
	}
	expires := time.Now().Add(s.cfg.PresignExpiry).UTC().Truncate(time.Second)
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)},
		s3.WithPresignExpires(s.cfg.PresignExpiry))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("presign %s: %w", uri, err)
	}
	return req.URL, expires, nil
}

// Open streams the object at uri.
func (s *S3Store) Open(ctx context.Context, uri string) (io.ReadCloser, error) {
	bucket, key, err := s.resolve(uri)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", uri, err)
	}
	return out.Body, nil
}

// Spool copies the object at uri to a temporary file (at most maxBytes; 0 means no limit)
// and returns its path; remove it when done. Imports read their input several times.
func (s *S3Store) Spool(ctx context.Context, uri string, maxBytes int64) (string, error) {
	body, err := s.Open(ctx, uri)
	if err != nil {
		return "", err
	}
	defer body.Close()
	return spool(body, maxBytes, uri)
}

// spool copies r to a temporary file of at most maxBytes (0: unlimited).
func spool(r io.Reader, maxBytes int64, what string) (string, error) {
	f, err := os.CreateTemp("", "tributary-import-*")
	if err != nil {
		return "", fmt.Errorf("spool %s: %w", what, err)
	}
	src := r
	if maxBytes > 0 {
		src = io.LimitReader(r, maxBytes+1)
	}
	n, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && maxBytes > 0 && n > maxBytes {
		err = fmt.Errorf("%w: larger than the %d-byte import limit", graph.ErrInvalid, maxBytes)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("spool %s: %w", what, err)
	}
	return f.Name(), nil
}

// Spool copies r (a request body) to a temporary file of at most maxBytes and returns its
// path, for Import, which reads its input several times. Remove the file when done.
func Spool(r io.Reader, maxBytes int64) (string, error) { return spool(r, maxBytes, "import body") }

// FileOpener opens path on each call (for Import).
func FileOpener(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// ParseS3URI splits s3://bucket/key.
func ParseS3URI(uri string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%w: %q is not an s3:// URI", graph.ErrInvalid, uri)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" || key == "" {
		return "", "", fmt.Errorf("%w: %q: want s3://BUCKET/KEY", graph.ErrInvalid, uri)
	}
	return bucket, key, nil
}

// resolve parses uri and checks that it names an object of the store's bucket under its
// prefix (ErrOutsideBucket otherwise), before any request to S3.
func (s *S3Store) resolve(uri string) (bucket, key string, err error) {
	bucket, key, err = ParseS3URI(uri)
	if err != nil {
		return "", "", err
	}
	if err := s.check(bucket, key); err != nil {
		return "", "", err
	}
	return bucket, key, nil
}

// check refuses an object outside the bucket, outside the prefix, or with a "." or ".."
// segment (which a store or proxy may resolve to a key outside the prefix).
func (s *S3Store) check(bucket, key string) error {
	if bucket != s.cfg.Bucket || !strings.HasPrefix(key, s.cfg.Prefix) {
		return fmt.Errorf("s3://%s/%s: %w", bucket, key, ErrOutsideBucket)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("s3://%s/%s: a %q segment: %w", bucket, key, seg, ErrOutsideBucket)
		}
	}
	return nil
}
