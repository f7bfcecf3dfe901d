using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DigiUsher.ServiceDefaults.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>
/// The OpenAPI 3.1 document of a public API, complete enough to generate clients from: the declared
/// query parameters (<see cref="ApiParameter"/>) with types, enums, defaults and examples; every
/// response schema with its always-present fields required; money as decimal; problem details for
/// 400, 401, 403 and 500 on every operation that can answer them; the bearer (JWT) and OAuth 2.0
/// client-credentials schemes. Built at build time into <c>obj/openapi</c> and committed under
/// <c>openapi/</c> (<c>scripts/dev openapi</c>).
/// </summary>
public static class OpenApiExtensions
{
    public const string BearerScheme = "bearer";
    public const string OAuth2Scheme = "oauth2";

    /// <summary>The OAuth 2.0 token endpoint (RFC 6749 client credentials), relative to DataSource's address.</summary>
    public const string TokenUrl = "/connect/token";

    private const string Problem = "ProblemDetails";
    private const string ValidationProblem = "HttpValidationProblemDetails";

    /// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) titled <paramref name="title"/>.</summary>
    public static WebApplicationBuilder AddDigiUsherOpenApi(this WebApplicationBuilder builder, string title, string description)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, context, cancellationToken) => DescribeAsync(document, context, title, description, cancellationToken));
            options.AddOperationTransformer(DescribeOperation);
            options.AddSchemaTransformer(DescribeSchema);
        });
        return builder;
    }

    /// <summary>
    /// True while <c>dotnet build</c> runs the service only to write its OpenAPI document
    /// (Microsoft.Extensions.ApiDescription.Server's GetDocument.Insider): no database, broker or secrets.
    /// </summary>
    public static bool IsGeneratingDocument =>
        string.Equals(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name, "GetDocument.Insider", StringComparison.Ordinal);


    /// <summary>Where a service's OpenAPI documents are served beside its name, e.g. <c>/openapi/query/v1.json</c>.</summary>
    public static string DocumentRoutePattern(DigiUsherService service) => $"/openapi/{service.Name}/{{documentName}}.json";

    /// <summary>
    /// Serves the OpenAPI document and a browsable reference anonymously, twice: under the service's
    /// name (<c>/openapi/query/v1.json</c>, <c>/scalar/query</c>), which one ingress host routes to
    /// each service without rewriting paths, and at <c>/openapi/v1.json</c> and <c>/scalar</c> for
    /// local work against one service.
    /// </summary>
    public static WebApplication MapDigiUsherOpenApi(this WebApplication app)
    {
        var service = app.Services.GetRequiredService<DigiUsherService>();
        app.MapOpenApi().AllowAnonymous();
        app.MapOpenApi(DocumentRoutePattern(service)).AllowAnonymous();
        app.MapScalarApiReference().AllowAnonymous();
        app.MapScalarApiReference($"/scalar/{service.Name}", o => o.WithOpenApiRoutePattern(DocumentRoutePattern(service))).AllowAnonymous();
        return app;
    }

    private static async Task DescribeAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, string title, string description, CancellationToken cancellationToken)
    {
        document.Info.Title = title;
        document.Info.Version = "v1";
        document.Info.Description = description;
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (id, type) in new[] { (Problem, typeof(ProblemDetails)), (ValidationProblem, typeof(HttpValidationProblemDetails)) })
        {
            if (!document.Components.Schemas.ContainsKey(id))
            {
                document.Components.Schemas[id] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
            }
        }

        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An access token in the Authorization header: Bearer <token>.",
            },
            [OAuth2Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "Service clients get tokens by the OAuth 2.0 client credentials grant (RFC 6749 §4.4) at DataSource's " + TokenUrl + ".",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow { TokenUrl = new Uri(TokenUrl, UriKind.Relative), Scopes = new Dictionary<string, string>() },
                },
            },
        };

        // Sorted so the committed document changes only when the contract does.
        var paths = document.Paths.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        document.Paths.Clear();
        foreach (var (path, item) in paths)
        {
            document.Paths.Add(path, item);
        }
    }

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<FormBody>().LastOrDefault() is { } form && context.Document is { } formDocument)
        {
            operation.RequestBody = Describe(form, formDocument);
        }

        var declared = metadata.OfType<DeclaredParameters>().LastOrDefault()?.Parameters ?? [];
        operation.Parameters ??= [];
        foreach (var parameter in declared)
        {
            var existing = operation.Parameters.FirstOrDefault(p => p.In == ParameterLocation.Query && p.Name == parameter.Name);
            if (existing is not null)
            {
                operation.Parameters.Remove(existing);
            }

            operation.Parameters.Add(Describe(parameter, context.Document));
        }

        if (metadata.OfType<ConditionalOnIfMatch>().Any())
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Description = "The ETag of the resource's GET: the change applies only if the resource is still that version (412 otherwise).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        var secured = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (secured)
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OAuth2Scheme, context.Document)] = [] },
            ];
        }

        operation.Responses ??= new OpenApiResponses();
        var takesInput = operation.Parameters.Count > 0 || operation.RequestBody is not null;
        AddProblem(operation, context, takesInput ? "400" : null, "The request is not valid: each wrong or unknown parameter or field is named.", ValidationProblem);
        AddProblem(operation, context, secured ? "401" : null, "No valid access token.", Problem);
        AddProblem(operation, context, secured ? "403" : null, "The token does not allow this operation.", Problem);
        AddProblem(operation, context, "500", "An unexpected error; the correlation id (X-Correlation-Id) finds it in the logs.", Problem);
        if (operation.Responses.TryGetValue("412", out var precondition) && precondition is OpenApiResponse preconditionFailed)
        {
            preconditionFailed.Description = "If-Match names another version: the resource changed since it was read.";
        }

        if (operation.Responses.TryGetValue("429", out var limited) && limited is OpenApiResponse tooMany)
        {
            tooMany.Description = "The organization passed its rate limit for this kind of request (the problem names it); Retry-After says when to try again.";
            tooMany.Headers ??= new Dictionary<string, IOpenApiHeader>();
            tooMany.Headers.TryAdd("Retry-After", new OpenApiHeader
            {
                Description = "Seconds to wait before the next request of this kind.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
            });
        }

        if (context.Description.HttpMethod == HttpMethods.Get && metadata.OfType<StreamedResponse>().FirstOrDefault() is null)
        {
            operation.Responses.TryAdd("304", new OpenApiResponse { Description = "Not modified: the If-None-Match header holds the current ETag." });
        }

        operation.Responses = Sorted(operation.Responses);
        return Task.CompletedTask;
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiOperationTransformerContext context, string? status, string description, string schema)
    {
        if (status is null)
        {
            return;
        }

        // An answer declared with a schema of its own (OAuth 2.0's error body, RFC 6749 section 5.2) stays as declared.
        if (operation.Responses!.TryGetValue(status, out var declared) && declared.Content is { } declaredContent
            && declaredContent.Values.Any(m => m.Schema is OpenApiSchemaReference { Reference.Id: { } id } && !id.Contains(Problem, StringComparison.Ordinal)))
        {
            return;
        }

        var problem = new OpenApiMediaType { Schema = new OpenApiSchemaReference(schema, context.Document) };
        if (operation.Responses!.TryGetValue(status, out var existing) && existing is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            response.Content.Remove("application/json");
            response.Content.TryAdd("application/problem+json", problem);
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = problem },
        };
    }

    private static OpenApiResponses Sorted(OpenApiResponses responses)
    {
        var sorted = new OpenApiResponses();
        foreach (var (status, response) in responses.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            sorted.Add(status, response);
        }

        return sorted;
    }

    /// <summary>A form body (<see cref="FormBody"/>) as a component schema of string fields, with its examples.</summary>
    private static OpenApiRequestBody Describe(FormBody form, OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(form.SchemaName, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = form.Description,
            Required = new HashSet<string>(form.Fields.Where(f => f.Required).Select(f => f.Name), StringComparer.Ordinal),
            Properties = form.Fields.ToDictionary(f => f.Name, f => (IOpenApiSchema)new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = f.Description,
                Enum = f.Values?.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
            }),
        });
        return new OpenApiRequestBody
        {
            Required = true,
            Description = form.Description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [FormBodyExtensions.MediaType] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchemaReference(form.SchemaName, document),
                    Examples = form.Examples.ToDictionary(e => e.Name, e => (IOpenApiExample)new OpenApiExample
                    {
                        Summary = e.Summary,
                        Value = new JsonObject(e.Fields.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value)))),
                    }),
                },
            },
        };
    }

    private static OpenApiParameter Describe(ApiParameter parameter, OpenApiDocument? document)
    {
        IOpenApiSchema value = new OpenApiSchema
        {
            Type = parameter.Type switch
            {
                ApiParameterType.Integer => JsonSchemaType.Integer,
                ApiParameterType.Boolean => JsonSchemaType.Boolean,
                _ => JsonSchemaType.String,
            },
            Format = parameter.Type switch
            {
                ApiParameterType.Uuid => "uuid",
                ApiParameterType.Date => "date",
                ApiParameterType.Integer => "int32",
                _ => null,
            },
            Enum = parameter.Values?.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
            Minimum = parameter.Minimum?.ToString(CultureInfo.InvariantCulture),
            Maximum = parameter.Maximum?.ToString(CultureInfo.InvariantCulture),
            Default = parameter.Default is null ? null
                : parameter.Type == ApiParameterType.Integer ? JsonValue.Create(int.Parse(parameter.Default, CultureInfo.InvariantCulture))
                : JsonValue.Create(parameter.Default),
        };
        if (parameter.SchemaName is { } schemaName && document is not null)
        {
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas.TryAdd(schemaName, value);
            value = new OpenApiSchemaReference(schemaName, document);
        }

        if (parameter.Prefix)
        {
            return new OpenApiParameter
            {
                Name = parameter.ObjectName ?? parameter.Name,
                In = ParameterLocation.Query,
                Description = parameter.Description + $" Each parameter is named {parameter.Name}KEY.",
                Style = ParameterStyle.Form,
                Explode = true,
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    PropertyNames = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^" + parameter.Name + ".+" },
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.String },
                },
                Example = new JsonObject { [parameter.Name + "team"] = "web" },
            };
        }

        return new OpenApiParameter
        {
            Name = parameter.Name,
            In = ParameterLocation.Query,
            Description = parameter.Description,
            Required = parameter.Required,
            Style = parameter.Repeated ? ParameterStyle.Form : null,
            Schema = parameter.Repeated ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = value } : value,
            Example = parameter.Example is null ? null
                : parameter.Repeated ? new JsonArray([.. parameter.Example.Split(',').Select(v => (JsonNode)JsonValue.Create(v))])
                : JsonValue.Create(parameter.Example),
        };
    }

    /// <summary>
    /// Money is decimal (never double) in generated clients; enums are strings; every field of an answer is always written
    /// (nulls included), so each is required; request bodies (types named *Request) keep what they declare.
    /// </summary>
    private static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(decimal))
        {
            schema.Format = "decimal";
        }

        // Times go through UtcDateTimeOffsetConverter, a custom converter, so the generator knows their format but
        // not their JSON type and wrote only "format": "date-time"; generated clients then typed them as object.
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(DateTimeOffset) && schema.Type is null)
        {
            schema.Type = Nullable.GetUnderlyingType(type) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
        }

        // Enums are written as strings (JsonStringEnumConverter); say so, or generators read them as numbers.
        if (type.IsEnum && schema.Enum is { Count: > 0 })
        {
            schema.Type = JsonSchemaType.String;
        }

        if (schema.Properties is { Count: > 0 } properties && !type.Name.EndsWith("Request", StringComparison.Ordinal)
            && type.Namespace?.StartsWith("DigiUsher", StringComparison.Ordinal) == true)
        {
            // A field left out when null (JsonIgnoreCondition.WhenWritingNull: OAuth 2.0's refresh_token) is not always there.
            var omittable = context.JsonTypeInfo.Properties
                .Where(p => p.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>()
                    .Any(a => a.Condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault) == true)
                .Select(p => p.Name);
            schema.Required = new HashSet<string>(properties.Keys.Except(omittable, StringComparer.Ordinal), StringComparer.Ordinal);
        }

        return Task.CompletedTask;
    }
}
