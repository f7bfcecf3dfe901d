using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using DigiUsher.Aws.Signing;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws.CostAndUsageReport;

/// <summary>
/// <c>DescribeReportDefinitions</c> over the AWS JSON 1.1 protocol, signed by AWSSDK.Core's
/// <c>SigV4SigningHandler</c> (service <c>cur</c>, region us-east-1). Wire format: botocore's
/// <c>cur/2017-01-06/service-2.json</c> and
/// https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_cur_DescribeReportDefinitions.html.
/// </summary>
public sealed class CostAndUsageReportClient(
    AwsSignedHttpClientFactory httpClients,
    IOptions<AwsOptions> awsOptions,
    IOptions<CostAndUsageReportOptions> options) : ICostAndUsageReportClient
{
    private const string Target = "AWSOrigamiServiceGatewayService.DescribeReportDefinitions";
    private const string SigningService = "cur";

    // MaxResults is modelled with min = max = 5: any other value is a ValidationException.
    private const int PageSize = 5;
    private const int MaxPages = 200;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.1");

    public Uri Endpoint
    {
        get
        {
            var configured = !string.IsNullOrWhiteSpace(options.Value.CurServiceUrl) ? options.Value.CurServiceUrl
                : !string.IsNullOrWhiteSpace(awsOptions.Value.ServiceUrl) ? awsOptions.Value.ServiceUrl
                : CostAndUsageReportOptions.DefaultServiceUrl;
            return new Uri(configured!.TrimEnd('/') + "/");
        }
    }

    public async Task<IReadOnlyList<ReportDefinition>> DescribeReportDefinitionsAsync(AWSCredentials credentials, CancellationToken cancellationToken)
    {
        using var http = httpClients.CreateClient(credentials, CostAndUsageReportOptions.SigningRegion, SigningService, Endpoint, options.Value.RequestTimeout);
        var definitions = new List<ReportDefinition>();
        string? nextToken = null;
        for (var page = 0; page < MaxPages; page++)
        {
            using var document = await SendAsync(http, nextToken, cancellationToken);
            var root = document.RootElement;
            if (root.TryGetProperty("ReportDefinitions", out var items) && items.ValueKind == JsonValueKind.Array)
            {
                definitions.AddRange(items.EnumerateArray().Select(ParseDefinition));
            }

            nextToken = root.TryGetProperty("NextToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
            if (string.IsNullOrEmpty(nextToken))
            {
                return definitions;
            }
        }

        throw new CostAndUsageReportException(CostAndUsageReportFailure.Failed, $"DescribeReportDefinitions returned more than {MaxPages} pages.");
    }

    private async Task<JsonDocument> SendAsync(HttpClient http, string? nextToken, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(nextToken is null
            ? new Dictionary<string, object> { ["MaxResults"] = PageSize }
            : new Dictionary<string, object> { ["MaxResults"] = PageSize, ["NextToken"] = nextToken });
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "");
            request.Headers.Add("X-Amz-Target", Target);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = JsonContentType;
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new CostAndUsageReportException(CostAndUsageReportFailure.Unavailable, $"The CUR API at {Endpoint} cannot be reached: {ex.Message}", ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CostAndUsageReportException(CostAndUsageReportFailure.Unavailable, $"The CUR API at {Endpoint} did not answer within {options.Value.RequestTimeout}.", ex);
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    try
                    {
                        return JsonDocument.Parse(text);
                    }
                    catch (JsonException ex)
                    {
                        throw new CostAndUsageReportException(CostAndUsageReportFailure.Unavailable, $"The endpoint {Endpoint} does not speak the CUR API (the answer is not JSON).", ex);
                    }
                }

                var failure = Classify(response, text, out var errorType, out var message);
                if (failure == CostAndUsageReportFailure.Failed && IsRetryable(response.StatusCode, errorType) && attempt < options.Value.MaxAttempts)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(4, attempt - 1)), cancellationToken);
                    continue;
                }

                throw new CostAndUsageReportException(failure, Describe(failure, (int)response.StatusCode, errorType, message));
            }
        }
    }

    private static CostAndUsageReportFailure Classify(HttpResponseMessage response, string body, out string errorType, out string message)
    {
        errorType = string.Empty;
        message = string.Empty;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var headerType))
        {
            errorType = headerType.FirstOrDefault() ?? string.Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("__type", out var type) && type.ValueKind == JsonValueKind.String)
                {
                    errorType = type.GetString() ?? errorType;
                }

                if ((document.RootElement.TryGetProperty("Message", out var text) || document.RootElement.TryGetProperty("message", out text))
                    && text.ValueKind == JsonValueKind.String)
                {
                    message = text.GetString() ?? string.Empty;
                }
            }
        }
        catch (JsonException)
        {
            message = body.Length > 200 ? body[..200] : body;
        }

        // "__type" is either a bare code or "namespace#Code"; the header may carry ":http://..." after it.
        var code = errorType.Split('#')[^1].Split(':')[0];
        errorType = code;
        // An endpoint without the CUR API answers UnknownOperationException (moto) or 404/405/501.
        return code == "UnknownOperationException" ? CostAndUsageReportFailure.Unavailable : AwsErrors.Classify(code, response.StatusCode) switch
        {
            AwsErrorKind.AccessDenied => CostAndUsageReportFailure.AccessDenied,
            AwsErrorKind.InvalidCredentials or AwsErrorKind.ExpiredToken => CostAndUsageReportFailure.InvalidCredentials,
            _ when response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented
                => CostAndUsageReportFailure.Unavailable,
            _ => CostAndUsageReportFailure.Failed,
        };
    }

    private static bool IsRetryable(HttpStatusCode status, string errorType) => AwsErrors.Classify(errorType, status).IsTransient();

    private string Describe(CostAndUsageReportFailure failure, int status, string errorType, string message)
    {
        var detail = string.IsNullOrEmpty(message) ? errorType : $"{errorType}: {message}";
        return failure switch
        {
            CostAndUsageReportFailure.AccessDenied =>
                $"AccessDenied on cur:DescribeReportDefinitions; grant it to the data source's IAM identity ({detail}).",
            CostAndUsageReportFailure.InvalidCredentials => $"The AWS credentials were rejected by the CUR API ({detail}).",
            CostAndUsageReportFailure.Unavailable => $"The endpoint {Endpoint} does not offer the CUR API (HTTP {status} {detail}).",
            _ => $"DescribeReportDefinitions failed with HTTP {status} ({detail}).",
        };
    }

    private static ReportDefinition ParseDefinition(JsonElement item) => new(
        ReportName: String(item, "ReportName"),
        TimeUnit: String(item, "TimeUnit"),
        Format: String(item, "Format"),
        Compression: String(item, "Compression"),
        AdditionalSchemaElements: Strings(item, "AdditionalSchemaElements"),
        S3Bucket: String(item, "S3Bucket"),
        S3Prefix: String(item, "S3Prefix"),
        S3Region: String(item, "S3Region"),
        AdditionalArtifacts: Strings(item, "AdditionalArtifacts"),
        RefreshClosedReports: item.TryGetProperty("RefreshClosedReports", out var refresh) && refresh.ValueKind == JsonValueKind.True,
        ReportVersioning: String(item, "ReportVersioning"),
        BillingViewArn: item.TryGetProperty("BillingViewArn", out var arn) && arn.ValueKind == JsonValueKind.String ? arn.GetString() : null);

    private static string String(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : string.Empty;

    private static IReadOnlyList<string> Strings(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList()
            : [];
}
