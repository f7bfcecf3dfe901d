using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace DigiUsher.Aws.Signing;

/// <summary>An AWS error answer of a JSON-protocol API (Organizations), or no answer at all (status 0).</summary>
/// <param name="StatusCode">HTTP status, or 0 when the endpoint could not be reached.</param>
/// <param name="Code">The AWS error code without its namespace, e.g. <c>AccessDeniedException</c>.</param>
/// <param name="Message">AWS's message.</param>
public sealed record AwsJsonError(HttpStatusCode StatusCode, string Code, string Message)
{
    /// <summary>What the error means (<see cref="AwsErrors"/>).</summary>
    public AwsErrorKind Kind => AwsErrors.Classify(Code, StatusCode);
}

/// <summary>AWS answered a JSON-protocol action with an error (after retries for transient ones).</summary>
public sealed class AwsJsonException(string target, AwsJsonError error)
    : Exception($"{target} failed: {error.Code} {error.Message}".TrimEnd())
{
    public string Target { get; } = target;

    public AwsJsonError Error { get; } = error;
}

/// <summary>
/// POSTs one action of the AWS JSON 1.1 protocol (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html)
/// through a SigV4-signing client from <see cref="AwsSignedHttpClientFactory"/>: the action in
/// <c>X-Amz-Target</c>, errors as <c>__type</c> (bare or <c>namespace#Code</c>) or the
/// <c>x-amzn-ErrorType</c> header. Throttling and 5xx are retried with full-jitter backoff.
/// </summary>
public static class AwsJsonProtocol
{
    private static readonly MediaTypeHeaderValue ContentType = new("application/x-amz-json-1.1");

    /// <exception cref="AwsJsonException">AWS answered with an error, or did not answer.</exception>
    public static async Task<JsonDocument> SendAsync(HttpClient http, string target, object body, int maxAttempts, TimeSpan retryBaseDelay, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(body);
        for (var attempt = 1; ; attempt++)
        {
            AwsJsonError error;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "");
                request.Headers.Add("X-Amz-Target", target);
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.ContentType = ContentType;
                using var response = await http.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    error = ParseError(response, text);
                }
                else if (TryParse(text) is { } document)
                {
                    return document;
                }
                else
                {
                    error = new AwsJsonError(response.StatusCode, "MalformedResponse", "The answer is not JSON: the endpoint does not speak this API.");
                }
            }
            catch (HttpRequestException ex)
            {
                error = new AwsJsonError(0, "EndpointUnreachable", ex.Message);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                error = new AwsJsonError(0, "Timeout", ex.Message);
            }

            if (!error.Kind.IsTransient() || attempt >= Math.Max(1, maxAttempts))
            {
                throw new AwsJsonException(target, error);
            }

            // Full jitter, as the AWS SDKs do: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
            var ceiling = retryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(20_000, Random.Shared.NextDouble() * ceiling + retryBaseDelay.TotalMilliseconds / 2)), cancellationToken);
        }
    }

    /// <summary>The error of a non-2xx answer: the code from <c>__type</c>, else the header, else the status.</summary>
    public static AwsJsonError ParseError(HttpResponseMessage response, string body)
    {
        var code = response.Headers.TryGetValues("x-amzn-ErrorType", out var header) ? header.FirstOrDefault() ?? string.Empty : string.Empty;
        var message = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("__type", out var type) && type.ValueKind == JsonValueKind.String)
                {
                    code = type.GetString() ?? code;
                }

                if ((root.TryGetProperty("Message", out var text) || root.TryGetProperty("message", out text)) && text.ValueKind == JsonValueKind.String)
                {
                    message = text.GetString() ?? string.Empty;
                }
            }
        }
        catch (JsonException)
        {
            message = body.Length > 200 ? body[..200] : body;
        }

        // "__type" is "Code" or "namespace#Code"; the header may carry ":http://..." after the code.
        code = code.Split('#')[^1].Split(':')[0];
        return new AwsJsonError(response.StatusCode, code.Length == 0 ? response.StatusCode.ToString() : code, message);
    }

    private static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
