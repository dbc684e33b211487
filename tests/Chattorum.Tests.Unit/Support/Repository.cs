namespace Chattorum.Tests.Support;

/// <summary>The repository the tests were built from, for tests that check its sources and documents.</summary>
public static class Repository
{
    /// <summary>The folder that holds Chattorum.sln, above the test's own.</summary>
    public static string Root { get; } = FindRoot();

    public static string Read(params string[] path) => File.ReadAllText(Path.Combine([Root, .. path]));

    /// <summary>A document's text with every run of white space (line breaks and indentation) made one space.</summary>
    public static string ReadProse(params string[] path) => string.Join(' ', Read(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Chattorum.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Chattorum.sln not found above the test's folder");
    }
}
