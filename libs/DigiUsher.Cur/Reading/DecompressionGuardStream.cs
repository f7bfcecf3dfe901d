namespace DigiUsher.Cur.Reading;

/// <summary>
/// Counts the compressed bytes read from the source and the decompressed bytes handed out, and stops
/// a file whose ratio is beyond any real CUR (a decompression bomb) before it fills memory or disk.
/// </summary>
public sealed class DecompressionGuardStream : Stream
{
    private readonly Stream _decompressed;
    private readonly CountingStream _compressed;
    private readonly CurReaderOptions _options;
    private long _produced;

    private DecompressionGuardStream(Stream decompressed, CountingStream compressed, CurReaderOptions options)
    {
        _decompressed = decompressed;
        _compressed = compressed;
        _options = options;
    }

    /// <summary>Wraps <paramref name="compressed"/> with <paramref name="decompress"/> (e.g. a GZipStream) and the guard.</summary>
    public static Stream Create(Stream compressed, Func<Stream, Stream> decompress, CurReaderOptions options)
    {
        var counting = new CountingStream(compressed);
        return new DecompressionGuardStream(decompress(counting), counting, options);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _produced; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _decompressed.Read(buffer);
        Check(read);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _decompressed.ReadAsync(buffer, cancellationToken);
        Check(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decompressed.Dispose();
            _compressed.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Check(int read)
    {
        _produced += read;
        if (_produced > _options.CompressionRatioGraceBytes && _produced > _options.MaxCompressionRatio * Math.Max(1, _compressed.BytesRead))
        {
            throw new CurFormatException(
                $"decompresses more than {_options.MaxCompressionRatio:0}x ({_produced} bytes from {_compressed.BytesRead}); refused as a possible decompression bomb");
        }
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            BytesRead += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
