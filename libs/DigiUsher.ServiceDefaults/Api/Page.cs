namespace DigiUsher.ServiceDefaults.Api;

/// <summary>
/// The one list envelope of every API: a page of <typeparamref name="T"/> and the cursor of the next
/// page (null on the last). Pass <c>nextCursor</c> back as <c>cursor</c> with the same other parameters.
/// </summary>
/// <param name="Items">This page's items.</param>
/// <param name="NextCursor">The cursor of the next page; null on the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor)
{
    /// <summary>
    /// The page of <paramref name="fetched"/> (read with one item more than <paramref name="limit"/> to
    /// know whether a next page exists), its cursor made from the last item kept.
    /// </summary>
    public static Page<T> Of(IReadOnlyList<T> fetched, int limit, Func<T, string> cursorAfter) =>
        fetched.Count > limit
            ? new Page<T>([.. fetched.Take(limit)], cursorAfter(fetched[limit - 1]))
            : new Page<T>(fetched, null);
}
