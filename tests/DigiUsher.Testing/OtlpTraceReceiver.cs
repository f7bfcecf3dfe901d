using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace DigiUsher.Testing;

/// <summary>One span as a service exported it.</summary>
/// <param name="Service">The exporting service's <c>service.name</c>.</param>
/// <param name="TraceId">The trace id, 32 hex digits.</param>
/// <param name="SpanId">The span id, 16 hex digits.</param>
/// <param name="ParentSpanId">The parent span id, or empty for a root.</param>
/// <param name="Name">The span's name.</param>
/// <param name="Attributes">Its string-valued attributes.</param>
public sealed record ExportedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes)
{
    public override string ToString() => $"{Service} {Name} trace={TraceId} span={SpanId} parent={ParentSpanId} [{string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"))}]";
}

/// <summary>
/// An OTLP/HTTP receiver (<c>POST /v1/traces</c>, binary protobuf, what the .NET exporter sends with
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>) that keeps every span the services export. Metrics
/// and logs are accepted and dropped. The protobuf is read by field number from the OTLP definitions
/// (opentelemetry-proto: trace/v1/trace.proto, common/v1/common.proto); only the fields the tests read.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();
    private readonly Task _loop;

    private OtlpTraceReceiver(int port)
    {
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add($"{Url}/");
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public string Url { get; }

    public IReadOnlyList<ExportedSpan> Spans => [.. _spans];

    public static OtlpTraceReceiver Start() => new(FreePort.Next());

    /// <summary>The environment that makes a service export its traces here, without waiting seconds per batch.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Url,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
    };

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (var body = new MemoryStream())
            {
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    foreach (var span in ReadExportRequest(body.ToArray()))
                    {
                        _spans.Enqueue(span);
                    }
                }
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private static IEnumerable<ExportedSpan> ReadExportRequest(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            var fields = Fields(resourceSpans).ToList();
            var resource = fields.Where(f => f.Number == 1).Select(f => Attributes(f.Bytes, 1)).FirstOrDefault() ?? [];
            var service = resource.GetValueOrDefault("service.name", "");
            foreach (var scopeSpans in fields.Where(f => f.Number == 2))
            {
                // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
                foreach (var span in Fields(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    yield return ReadSpan(service, span.Bytes);
                }
            }
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; repeated KeyValue attributes = 9; }
    private static ExportedSpan ReadSpan(string service, byte[] span)
    {
        var fields = Fields(span).ToList();
        string Hex(int number) => fields.Where(f => f.Number == number).Select(f => Convert.ToHexStringLower(f.Bytes)).FirstOrDefault() ?? "";
        var name = fields.Where(f => f.Number == 5).Select(f => Encoding.UTF8.GetString(f.Bytes)).FirstOrDefault() ?? "";
        return new ExportedSpan(service, Hex(1), Hex(2), Hex(4), name, Attributes(span, 9));
    }

    // KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; ... }
    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Fields(message).Where(f => f.Number == field))
        {
            var parts = Fields(keyValue.Bytes).ToList();
            var key = parts.Where(p => p.Number == 1).Select(p => Encoding.UTF8.GetString(p.Bytes)).FirstOrDefault();
            var value = parts.Where(p => p.Number == 2).SelectMany(p => Fields(p.Bytes)).Where(p => p.Number == 1 && p.Bytes.Length > 0)
                .Select(p => Encoding.UTF8.GetString(p.Bytes)).FirstOrDefault();
            if (key is not null && value is not null)
            {
                attributes[key] = value;
            }
        }

        return attributes;
    }

    /// <summary>The length-delimited fields of a protobuf message (varint and fixed fields are skipped).</summary>
    private static IEnumerable<(int Number, byte[] Bytes)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var (number, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wireType)
            {
                case 0:
                    Varint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return (number, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wireType} at byte {position} is not one OTLP uses");
            }
        }
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
