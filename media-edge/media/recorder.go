package media

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Dual-channel recording streamed to S3 as a WAV file (left: the caller, right: what the edge
// played, 8 kHz 16-bit PCM) with bounded memory however long the call.
//
// The WAV header holds the final sizes, so part 1 of the multipart upload (the header and the
// first PartSize bytes) waits in a spool file until Close, when the header is written into it;
// every later part is spooled to a file of its own and uploaded, in order, by one goroutine as
// soon as it fills, then deleted. Every part carries a CRC32 declared at CreateMultipartUpload
// and listed at completion, the combination S3 validates end to end. A call that never fills part 1 (about 2 min 43 s at 5 MiB) is
// one PutObject. Memory per call: one 16,000-byte buffer (half a second) and two open files;
// disk: at most part 1 and the part filling (2 × PartSize), plus parts waiting for upload.

// S3API is the part of the aws-sdk-go-v2 S3 client the recorder calls.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

var (
	_ S3API    = (*s3.Client)(nil)
	_ Recorder = (*S3Recorder)(nil)
)

// RecorderOptions tune an S3Recorder; the zero value is the default.
type RecorderOptions struct {
	// TempDir holds the spool files (os.TempDir() when empty).
	TempDir string
	// PartSize is the size of every part but the last (MinPartSize, S3's minimum, when zero).
	PartSize int64
	Log      *slog.Logger
}

const (
	// MinPartSize is S3's smallest part but the last: 5 MiB.
	MinPartSize = 5 << 20
	// maxQueuedParts bounds the parts waiting for upload (each a spool file) before Write fails.
	maxQueuedParts = 32
	// WAVHeaderSize is the size of the header WAVHeader writes.
	WAVHeaderSize  = 44
	recFrameBytes  = FrameSamples * 4 // two channels of 16-bit samples
	recBufFrames   = 25               // half a second per write to the spool file
	maxWAVData     = 1<<32 - 1 - 36   // the RIFF size field is 32 bits
	wavContentType = "audio/wav"
)

// S3Recorder writes one call's recording. Write is for one goroutine (the session's ticker);
// Close must be called, once, to finish the object and stop the uploader.
type S3Recorder struct {
	client      S3API
	bucket, key string
	partSize    int64
	dir         string
	log         *slog.Logger

	buf      []byte
	head     *os.File // part 1: header and the first data
	headLen  int64
	cur      *os.File // the part filling, nil between parts
	curLen   int64
	nextPart int32
	data     int64 // PCM bytes so far
	err      error // sticky: the first failure of Write
	closed   bool

	upCtx    context.Context
	cancelUp context.CancelFunc
	jobs     chan partJob
	wg       sync.WaitGroup

	mu       sync.Mutex // the uploader's results
	uploadID *string
	parts    []types.CompletedPart
	upErr    error
}

type partJob struct {
	num  int32
	file *os.File
	size int64
}

// NewS3Recorder starts a recording at bucket/key (the integrator passes
// recordings/<tenant>/<yyyy>/<mm>/<dd>/<call-id>.wav). ctx carries values for the uploads made
// while the call goes on; they are cancelled only by the end of Close's context, so the call's own
// context may end first.
func NewS3Recorder(ctx context.Context, client S3API, bucket, key string, o RecorderOptions) (*S3Recorder, error) {
	ps := cmp.Or(o.PartSize, MinPartSize)
	if ps < MinPartSize {
		return nil, fmt.Errorf("media: recorder: part size %d below S3's minimum %d", ps, MinPartSize)
	}
	head, err := os.CreateTemp(o.TempDir, "rec-*.part1")
	if err != nil {
		return nil, fmt.Errorf("media: recorder spool: %w", err)
	}
	if _, err := head.Write(make([]byte, WAVHeaderSize)); err != nil {
		removeFile(head)
		return nil, fmt.Errorf("media: recorder spool: %w", err)
	}
	upCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &S3Recorder{
		client: client, bucket: bucket, key: key, partSize: ps, dir: o.TempDir, log: o.Log,
		buf: make([]byte, 0, recBufFrames*recFrameBytes), head: head, headLen: WAVHeaderSize, nextPart: 2,
		upCtx: upCtx, cancelUp: cancel,
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

// Write adds one tick: caller on the left, played on the right. It touches the disk every half
// second and never the network; a failure (disk, a failed part upload) is returned by this and
// every later Write, and by Close.
func (r *S3Recorder) Write(caller, played *[FrameSamples]int16) error {
	if r.err != nil {
		return r.err
	}
	if r.closed {
		return errNoRecorder
	}
	if r.data+recFrameBytes > maxWAVData {
		r.err = fmt.Errorf("media: recording %s: WAV size limit reached", r.key)
		return r.err
	}
	b := r.buf[len(r.buf) : len(r.buf)+recFrameBytes]
	for i := range FrameSamples {
		binary.LittleEndian.PutUint16(b[4*i:], uint16(caller[i]))
		binary.LittleEndian.PutUint16(b[4*i+2:], uint16(played[i]))
	}
	r.buf = r.buf[:len(r.buf)+recFrameBytes]
	r.data += recFrameBytes
	if len(r.buf) == cap(r.buf) {
		if err := r.flush(); err != nil {
			r.err = err
			return err
		}
	}
	return nil
}

// flush moves the buffer to the spool files, handing every part that fills to the uploader.
func (r *S3Recorder) flush() error {
	b := r.buf
	r.buf = r.buf[:0]
	for len(b) > 0 {
		if r.headLen < r.partSize {
			n := min(int64(len(b)), r.partSize-r.headLen)
			if _, err := r.head.Write(b[:n]); err != nil {
				return fmt.Errorf("media: recording %s: spool: %w", r.key, err)
			}
			r.headLen += n
			b = b[n:]
			continue
		}
		if r.cur == nil {
			f, err := os.CreateTemp(r.dir, "rec-*.part")
			if err != nil {
				return fmt.Errorf("media: recording %s: spool: %w", r.key, err)
			}
			r.cur, r.curLen = f, 0
		}
		n := min(int64(len(b)), r.partSize-r.curLen)
		if _, err := r.cur.Write(b[:n]); err != nil {
			return fmt.Errorf("media: recording %s: spool: %w", r.key, err)
		}
		r.curLen += n
		b = b[n:]
		if r.curLen == r.partSize {
			if err := r.enqueue(false); err != nil {
				return err
			}
		}
	}
	return nil
}

// enqueue hands the filling part to the uploader, starting it on the first part. Only Close
// waits for room in the queue.
func (r *S3Recorder) enqueue(wait bool) error {
	if r.jobs == nil {
		r.jobs = make(chan partJob, maxQueuedParts)
		r.wg.Go(r.upload)
	}
	j := partJob{num: r.nextPart, file: r.cur, size: r.curLen}
	r.cur, r.curLen = nil, 0
	r.nextPart++
	if wait {
		r.jobs <- j
		return nil
	}
	select {
	case r.jobs <- j:
		return nil
	default:
		removeFile(j.file)
		return fmt.Errorf("media: recording %s: %d parts waiting for upload", r.key, maxQueuedParts)
	}
}

// upload is the uploader goroutine: it creates the multipart upload on its first part and
// uploads the parts in order; after a failure it only deletes the spool files.
func (r *S3Recorder) upload() {
	for j := range r.jobs {
		r.mu.Lock()
		failed := r.upErr != nil
		r.mu.Unlock()
		var err error
		if !failed {
			err = r.uploadPart(r.upCtx, j)
		}
		if rmErr := removeFile(j.file); rmErr != nil {
			r.log.Warn("recording spool", "err", rmErr)
		}
		if err != nil {
			r.mu.Lock()
			r.upErr = err
			r.mu.Unlock()
			r.log.Warn("recording part upload failed", "key", r.key, "part", j.num, "err", err)
		}
	}
}

func (r *S3Recorder) uploadPart(ctx context.Context, j partJob) error {
	r.mu.Lock()
	id := r.uploadID
	r.mu.Unlock()
	if id == nil {
		out, err := r.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket: &r.bucket, Key: &r.key, ContentType: aws.String(wavContentType),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			return fmt.Errorf("media: recording %s: create multipart upload: %w", r.key, err)
		}
		id = out.UploadId
		r.mu.Lock()
		r.uploadID = id
		r.mu.Unlock()
	}
	out, err := r.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: &r.bucket, Key: &r.key, UploadId: id, PartNumber: aws.Int32(j.num),
		Body: io.NewSectionReader(j.file, 0, j.size), ContentLength: aws.Int64(j.size),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return fmt.Errorf("media: recording %s: upload part %d: %w", r.key, j.num, err)
	}
	r.mu.Lock()
	r.parts = append(r.parts, types.CompletedPart{PartNumber: aws.Int32(j.num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	r.mu.Unlock()
	return nil
}

// Close writes the header with the final sizes and finishes the object: one PutObject for a short
// call, else the last part, part 1 and CompleteMultipartUpload (an upload that fails is aborted).
// ctx bounds all of it, the uploads still running included. It returns the object's key.
func (r *S3Recorder) Close(ctx context.Context) (string, error) {
	if r.closed {
		return "", errNoRecorder
	}
	r.closed = true
	stop := context.AfterFunc(ctx, r.cancelUp)
	defer stop()
	defer r.cancelUp()
	defer func() {
		if err := removeFile(r.head); err != nil {
			r.log.Warn("recording spool", "err", err)
		}
	}()
	err := r.err
	if err == nil {
		err = r.flush()
	}
	multipart := r.jobs != nil || r.cur != nil
	if multipart && r.cur != nil {
		r.enqueue(true)
	}
	if r.jobs != nil {
		close(r.jobs)
		r.wg.Wait()
	}
	if err == nil {
		err = r.writeHeader()
	}
	if err == nil && !multipart {
		_, err = r.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &r.bucket, Key: &r.key, ContentType: aws.String(wavContentType),
			Body: io.NewSectionReader(r.head, 0, r.headLen), ContentLength: aws.Int64(r.headLen),
		})
		if err != nil {
			return "", fmt.Errorf("media: recording %s: put: %w", r.key, err)
		}
		return r.key, nil
	}
	if err == nil {
		r.mu.Lock()
		err = r.upErr
		r.mu.Unlock()
	}
	if err == nil {
		err = r.uploadPart(ctx, partJob{num: 1, file: r.head, size: r.headLen})
	}
	if err == nil {
		slices.SortFunc(r.parts, func(a, b types.CompletedPart) int { return cmp.Compare(*a.PartNumber, *b.PartNumber) })
		_, err = r.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &r.bucket, Key: &r.key, UploadId: r.uploadID,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: r.parts},
		})
		if err != nil {
			err = fmt.Errorf("media: recording %s: complete: %w", r.key, err)
		}
	}
	if err != nil {
		r.abort(ctx)
		return "", err
	}
	return r.key, nil
}

func (r *S3Recorder) abort(ctx context.Context) {
	if r.uploadID == nil {
		return
	}
	if _, err := r.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{
		Bucket: &r.bucket, Key: &r.key, UploadId: r.uploadID,
	}); err != nil {
		r.log.Warn("recording: abort multipart upload failed", "key", r.key, "err", err)
	}
}

// writeHeader writes the WAV header of the data so far at the start of part 1.
func (r *S3Recorder) writeHeader() error {
	h := WAVHeader(uint32(r.data))
	if _, err := r.head.WriteAt(h[:], 0); err != nil {
		return fmt.Errorf("media: recording %s: header: %w", r.key, err)
	}
	return nil
}

// WAVHeader is the 44-byte header of a stereo 8 kHz 16-bit PCM WAV file with dataLen bytes of
// samples.
func WAVHeader(dataLen uint32) [WAVHeaderSize]byte {
	var h [WAVHeaderSize]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataLen)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16) // fmt chunk size
	binary.LittleEndian.PutUint16(h[20:], 1)  // PCM
	binary.LittleEndian.PutUint16(h[22:], 2)  // channels
	binary.LittleEndian.PutUint32(h[24:], sampleRate)
	binary.LittleEndian.PutUint32(h[28:], sampleRate*4) // byte rate
	binary.LittleEndian.PutUint16(h[32:], 4)            // block align
	binary.LittleEndian.PutUint16(h[34:], 16)           // bits per sample
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataLen)
	return h
}

// removeFile closes and deletes a spool file; a file already gone is no failure.
func removeFile(f *os.File) error {
	if f == nil {
		return nil
	}
	f.Close()
	if err := os.Remove(f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: remove spool file: %w", err)
	}
	return nil
}
