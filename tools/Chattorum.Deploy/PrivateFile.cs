namespace Chattorum.Deploy;

/// <summary>Files with secrets in them: created anew, readable and writable by their owner only.</summary>
internal static class PrivateFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> (replacing it) with mode 0600, and says so.</summary>
    public static string Write(string path, string content)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        return $"wrote     {path}";
    }
}
