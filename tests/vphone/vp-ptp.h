/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PTP/MTP protocol numbers used by the virtual phone.
 * Spelled after the MTP 1.1 specification; the Android extensions follow
 * AOSP's frameworks/av/media/mtp/mtp.h. */
#pragma once

#include <glib.h>

enum {
  VP_CONTAINER_COMMAND = 1,
  VP_CONTAINER_DATA = 2,
  VP_CONTAINER_RESPONSE = 3,
  VP_CONTAINER_EVENT = 4,
};

#define VP_HEADER_LEN 12

/* Operations */
enum {
  VP_OP_GetDeviceInfo = 0x1001,
  VP_OP_OpenSession = 0x1002,
  VP_OP_CloseSession = 0x1003,
  VP_OP_GetStorageIDs = 0x1004,
  VP_OP_GetStorageInfo = 0x1005,
  VP_OP_GetNumObjects = 0x1006,
  VP_OP_GetObjectHandles = 0x1007,
  VP_OP_GetObjectInfo = 0x1008,
  VP_OP_GetObject = 0x1009,
  VP_OP_GetThumb = 0x100A,
  VP_OP_DeleteObject = 0x100B,
  VP_OP_SendObjectInfo = 0x100C,
  VP_OP_SendObject = 0x100D,
  VP_OP_GetDevicePropDesc = 0x1014,
  VP_OP_GetDevicePropValue = 0x1015,
  VP_OP_SetDevicePropValue = 0x1016,
  VP_OP_ResetDevicePropValue = 0x1017,
  VP_OP_MoveObject = 0x1019,
  VP_OP_CopyObject = 0x101A,
  VP_OP_GetPartialObject = 0x101B,
  VP_OP_GetObjectPropsSupported = 0x9801,
  VP_OP_GetObjectPropDesc = 0x9802,
  VP_OP_GetObjectPropValue = 0x9803,
  VP_OP_SetObjectPropValue = 0x9804,
  VP_OP_GetObjectPropList = 0x9805,
  VP_OP_SendObjectPropList = 0x9808,
  VP_OP_GetObjectReferences = 0x9810,
  VP_OP_SetObjectReferences = 0x9811,
  VP_OP_GetPartialObject64 = 0x95C1,
  VP_OP_SendPartialObject = 0x95C2,
  VP_OP_TruncateObject = 0x95C3,
  VP_OP_BeginEditObject = 0x95C4,
  VP_OP_EndEditObject = 0x95C5,
};

/* Responses */
enum {
  VP_RC_OK = 0x2001,
  VP_RC_GeneralError = 0x2002,
  VP_RC_SessionNotOpen = 0x2003,
  VP_RC_InvalidTransactionID = 0x2004,
  VP_RC_OperationNotSupported = 0x2005,
  VP_RC_ParameterNotSupported = 0x2006,
  VP_RC_IncompleteTransfer = 0x2007,
  VP_RC_InvalidStorageID = 0x2008,
  VP_RC_InvalidObjectHandle = 0x2009,
  VP_RC_DevicePropNotSupported = 0x200A,
  VP_RC_InvalidObjectFormatCode = 0x200B,
  VP_RC_StoreFull = 0x200C,
  VP_RC_ObjectWriteProtected = 0x200D,
  VP_RC_StoreReadOnly = 0x200E,
  VP_RC_AccessDenied = 0x200F,
  VP_RC_NoThumbnailPresent = 0x2010,
  VP_RC_PartialDeletion = 0x2012,
  VP_RC_StoreNotAvailable = 0x2013,
  VP_RC_SpecificationByFormatUnsupported = 0x2014,
  VP_RC_NoValidObjectInfo = 0x2015,
  VP_RC_DeviceBusy = 0x2019,
  VP_RC_InvalidParentObject = 0x201A,
  VP_RC_InvalidDevicePropFormat = 0x201B,
  VP_RC_InvalidDevicePropValue = 0x201C,
  VP_RC_InvalidParameter = 0x201D,
  VP_RC_SessionAlreadyOpen = 0x201E,
  VP_RC_TransactionCancelled = 0x201F,
  VP_RC_InvalidObjectPropCode = 0xA801,
  VP_RC_InvalidObjectPropFormat = 0xA802,
  VP_RC_InvalidObjectPropValue = 0xA803,
  VP_RC_InvalidObjectReference = 0xA804,
  VP_RC_InvalidDataset = 0xA806,
  VP_RC_SpecificationByGroupUnsupported = 0xA807,
  VP_RC_SpecificationByDepthUnsupported = 0xA808,
  VP_RC_ObjectTooLarge = 0xA809,
  VP_RC_ObjectPropNotSupported = 0xA80A,
};

/* Events */
enum {
  VP_EV_ObjectAdded = 0x4002,
  VP_EV_ObjectRemoved = 0x4003,
  VP_EV_StoreAdded = 0x4004,
  VP_EV_StoreRemoved = 0x4005,
  VP_EV_DevicePropChanged = 0x4006,
  VP_EV_ObjectInfoChanged = 0x4007,
  VP_EV_StorageInfoChanged = 0x400C,
};

/* Object formats */
enum {
  VP_FMT_Undefined = 0x3000,
  VP_FMT_Association = 0x3001,
  VP_FMT_Text = 0x3004,
  VP_FMT_HTML = 0x3005,
  VP_FMT_WAV = 0x3008,
  VP_FMT_MP3 = 0x3009,
  VP_FMT_AVI = 0x300A,
  VP_FMT_MPEG = 0x300B,
  VP_FMT_EXIF_JPEG = 0x3801,
  VP_FMT_BMP = 0x3804,
  VP_FMT_GIF = 0x3807,
  VP_FMT_PNG = 0x380B,
  VP_FMT_WMA = 0xB901,
  VP_FMT_OGG = 0xB902,
  VP_FMT_AAC = 0xB903,
  VP_FMT_FLAC = 0xB906,
  VP_FMT_MP4 = 0xB982,
  VP_FMT_3GP = 0xB984,
  VP_FMT_AbstractAudioAlbum = 0xBA03,
  VP_FMT_AbstractAudioVideoPlaylist = 0xBA05,
  VP_FMT_M3UPlaylist = 0xBA11,
};

/* Object properties */
enum {
  VP_PROP_StorageID = 0xDC01,
  VP_PROP_ObjectFormat = 0xDC02,
  VP_PROP_ProtectionStatus = 0xDC03,
  VP_PROP_ObjectSize = 0xDC04,
  VP_PROP_AssociationType = 0xDC05,
  VP_PROP_AssociationDesc = 0xDC06,
  VP_PROP_ObjectFileName = 0xDC07,
  VP_PROP_DateCreated = 0xDC08,
  VP_PROP_DateModified = 0xDC09,
  VP_PROP_ParentObject = 0xDC0B,
  VP_PROP_PersistentUID = 0xDC41,
  VP_PROP_Name = 0xDC44,
  VP_PROP_Artist = 0xDC46,
  VP_PROP_DateAdded = 0xDC4E,
  VP_PROP_AlbumName = 0xDC9A,
  VP_PROP_AlbumArtist = 0xDC9B,
  VP_PROP_DisplayName = 0xDCE0,
};

/* Device properties */
enum {
  VP_DPROP_BatteryLevel = 0x5001,
  VP_DPROP_SyncPartner = 0xD401,
  VP_DPROP_FriendlyName = 0xD402,
  VP_DPROP_PerceivedDeviceType = 0xD407,
};

/* Data types */
enum {
  VP_TYPE_UINT8 = 0x0002,
  VP_TYPE_UINT16 = 0x0004,
  VP_TYPE_UINT32 = 0x0006,
  VP_TYPE_UINT64 = 0x0008,
  VP_TYPE_UINT128 = 0x000A,
  VP_TYPE_STR = 0xFFFF,
};

enum {
  VP_STORAGE_FIXED_RAM = 0x0003,
  VP_STORAGE_REMOVABLE_RAM = 0x0004,
  VP_FS_GENERIC_HIERARCHICAL = 0x0002,
  VP_ASSOC_GENERIC_FOLDER = 0x0001,
};

#define VP_ROOT_PARENT 0xFFFFFFFFu
#define VP_ALL 0xFFFFFFFFu

