using DigiUsher.Client.Query;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// Query learns of a data source from DataSource's <c>DataSourceConnected</c> (or its first import) and,
/// until then, answers 404 for its id as it does for another organization's. A probe made just after
/// connecting reads that 404 as "not yet" and polls again; any other failure is still a failure.
/// </summary>
internal static class QueryNotYet
{
    public static async Task<T?> UnlessUnknownAsync<T>(this Task<T> call) where T : class
    {
        try
        {
            return await call;
        }
        catch (ApiException ex) when (ex.StatusCode == 404)
        {
            return null;
        }
    }
}
