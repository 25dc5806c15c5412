package dev.podshim.api;

import dev.podshim.cri.v1.ImageServiceGrpc;

/**
 * The CRI ImageService. Registered so that clients reach it; until the image work lands every
 * method is answered UNIMPLEMENTED, naming what is missing, by transport's Planned.
 */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {}
