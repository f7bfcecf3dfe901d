namespace DigiUsher.Query.Apis;

/// <summary>A query parameter a client must fix; answered as 400 problem details naming the parameter.</summary>
public sealed class BadQueryException(string parameter, string message) : Exception(message)
{
    public string Parameter { get; } = parameter;
}

/// <summary>Turns <see cref="BadQueryException"/> into RFC 7807 problem details (400).</summary>
public sealed class BadQueryFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (BadQueryException ex)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [ex.Parameter] = [ex.Message] },
                detail: ex.Message,
                title: $"Invalid parameter '{ex.Parameter}'");
        }
    }
}
