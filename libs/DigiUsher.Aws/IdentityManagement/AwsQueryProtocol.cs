using System.Globalization;
using System.Net;
using System.Xml;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws.IdentityManagement;

/// <summary>An AWS error answer of a Query-protocol API (IAM, CloudWatch).</summary>
/// <param name="StatusCode">HTTP status, or 0 when the endpoint could not be reached.</param>
/// <param name="Code">The AWS error code, e.g. <c>AccessDenied</c>, <c>NoSuchEntity</c>, <c>Throttling</c>.</param>
/// <param name="Message">AWS's message (never contains the secret key).</param>
public sealed record AwsQueryError(HttpStatusCode StatusCode, string Code, string Message)
{
    /// <summary>What the error means (<see cref="AwsErrors"/>).</summary>
    public AwsErrorKind Kind => AwsErrors.Classify(Code, StatusCode);

    public bool IsAccessDenied => Kind == AwsErrorKind.AccessDenied;

    public bool IsInvalidCredentials => Kind.IsCredentialsRejected();

    /// <summary>Worth another attempt: throttled, a 5xx, or the endpoint unreachable.</summary>
    public bool IsTransient => Kind.IsTransient();
}

/// <summary>
/// POSTs a form-encoded Query-protocol action (the protocol of IAM and classic CloudWatch), signed
/// with SigV4 by AWSSDK.Core's <see cref="SigV4SigningHandler"/>, retries throttling and 5xx with
/// exponential backoff and jitter, and returns the response document. Elements are read by local
/// name because some emulators answer without the AWS namespace.
/// </summary>
public sealed class AwsQueryProtocol : IDisposable
{
    private readonly HttpMessageInvoker _transport;
    private readonly IOptions<AwsOptions> _options;

    public AwsQueryProtocol(IOptions<AwsOptions> options)
        : this(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, options)
    {
    }

    public AwsQueryProtocol(HttpMessageHandler transport, IOptions<AwsOptions> options)
    {
        _transport = new HttpMessageInvoker(transport, disposeHandler: true);
        _options = options;
    }

    /// <summary>Base delay of the backoff (doubled per attempt, with full jitter).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Sends <paramref name="action"/> and returns the response's root element.</summary>
    /// <exception cref="AwsQueryException">AWS answered with an error, after retries for transient ones.</exception>
    public async Task<XElement> SendAsync(
        AWSCredentials credentials,
        Uri endpoint,
        string signingRegion,
        string signingService,
        string action,
        string version,
        IEnumerable<KeyValuePair<string, string>> parameters,
        CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", version) };
        form.AddRange(parameters);
        var maxAttempts = Math.Max(1, _options.Value.MaxErrorRetry + 1);
        using var signing = new SigV4SigningHandler(credentials, RegionEndpoint.GetBySystemName(signingRegion), signingService, new SharedTransport(_transport));
        using var http = new HttpClient(signing, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        for (var attempt = 1; ; attempt++)
        {
            AwsQueryError error;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
                {
                    Content = new FormUrlEncodedContent(form),
                };
                using var response = await http.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return XDocument.Parse(body).Root ?? throw new AwsQueryException(action, new AwsQueryError(response.StatusCode, "EmptyResponse", "AWS answered with an empty document."));
                }

                error = ParseError(response.StatusCode, body);
            }
            catch (HttpRequestException ex)
            {
                error = new AwsQueryError(0, "EndpointUnreachable", ex.Message);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                error = new AwsQueryError(0, "Timeout", ex.Message);
            }
            catch (XmlException ex)
            {
                error = new AwsQueryError(HttpStatusCode.OK, "MalformedResponse", ex.Message);
            }

            if (!error.IsTransient || attempt >= maxAttempts)
            {
                throw new AwsQueryException(action, error);
            }

            // Full jitter, as the AWS SDKs do: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
            var ceiling = RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(20_000, Random.Shared.NextDouble() * ceiling + RetryBaseDelay.TotalMilliseconds / 2)), cancellationToken);
        }
    }

    public void Dispose() => _transport.Dispose();

    internal static AwsQueryError ParseError(HttpStatusCode status, string body)
    {
        try
        {
            var root = XDocument.Parse(body).Root;
            var code = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
            var message = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
            return new AwsQueryError(status, string.IsNullOrEmpty(code) ? status.ToString() : code, message ?? string.Empty);
        }
        catch (XmlException)
        {
            return new AwsQueryError(status, status.ToString(), body.Length > 300 ? body[..300] : body);
        }
    }

    /// <summary>Child element by local name (namespace-agnostic).</summary>
    public static XElement? Child(XElement? parent, string localName) =>
        parent?.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    /// <summary>Text of a child element by local name, or null.</summary>
    public static string? Text(XElement? parent, string localName) => Child(parent, localName)?.Value;

    /// <summary>The <c>member</c> elements of a list element.</summary>
    public static IEnumerable<XElement> Members(XElement? list) =>
        list?.Elements().Where(e => e.Name.LocalName == "member") ?? [];

    public static DateTimeOffset? Date(XElement? parent, string localName) =>
        Text(parent, localName) is { Length: > 0 } text
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null;

    public static string FormatDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The end of a per-call signing pipeline: forwards to the one shared connection pool, which
    /// disposing the pipeline must not close.
    /// </summary>
    private sealed class SharedTransport(HttpMessageInvoker shared) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            shared.SendAsync(request, cancellationToken);
    }
}

/// <summary>AWS answered a Query-protocol action with an error.</summary>
public sealed class AwsQueryException(string action, AwsQueryError error)
    : Exception($"{action} failed: {error.Code} {error.Message}".TrimEnd())
{
    public string Action { get; } = action;

    public AwsQueryError Error { get; } = error;
}
