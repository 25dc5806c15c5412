/**
 * Images: pulls over the OCI distribution protocol ({@code RegistryClient}, {@code Puller}), the
 * content store ({@code ContentStore}, blobs by digest), unpacked layers per chain id
 * ({@code LayerStore}, {@code LayerUnpacker}), image records ({@code ImageIndex}), container
 * root file systems ({@code Snapshots}), archive import ({@code ImagesCommand}), and what the
 * store occupies ({@code ImageFilesystem}). {@link dev.podshim.image.ImageService} is the entry point.
 */
@NullMarked
package dev.podshim.image;

import org.jspecify.annotations.NullMarked;
